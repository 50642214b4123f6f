#include <gtest/gtest.h>

TEST(Placeholder, regionparams) {}

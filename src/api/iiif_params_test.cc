#include <gtest/gtest.h>

TEST(Placeholder, iiifparams) {}

#include <gtest/gtest.h>

TEST(Placeholder, synthetic) {}

#include <gtest/gtest.h>

TEST(Placeholder, histogram) {}

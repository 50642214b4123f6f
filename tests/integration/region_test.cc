#include <gtest/gtest.h>

TEST(Placeholder, region) {}

#include <gtest/gtest.h>

TEST(Placeholder, dzi) {}

#include <gtest/gtest.h>

TEST(Placeholder, vips) {}

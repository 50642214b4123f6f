#include <gtest/gtest.h>

TEST(Placeholder, transform) {}

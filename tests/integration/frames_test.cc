#include <gtest/gtest.h>

TEST(Placeholder, frames) {}

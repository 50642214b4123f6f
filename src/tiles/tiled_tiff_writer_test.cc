#include <gtest/gtest.h>

TEST(Placeholder, tiledtiffwriter) {}

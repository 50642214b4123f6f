#include <gtest/gtest.h>

TEST(Placeholder, openslide) {}

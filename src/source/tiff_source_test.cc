#include <gtest/gtest.h>

TEST(Placeholder, tiff) {}

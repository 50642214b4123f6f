#include <gtest/gtest.h>

TEST(Placeholder, iiif) {}

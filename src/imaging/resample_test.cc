#include <gtest/gtest.h>

TEST(Placeholder, resample) {}

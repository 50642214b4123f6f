#include "tiles/decode_budget.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace tessera {
namespace {

TEST(DecodeBudgetTest, WithoutAScopeNothingIsLimited) {
  EXPECT_EQ(DecodeBudget::Limit(), 0u);
  EXPECT_TRUE(DecodeBudget::Charge(UINT64_MAX).ok());
  EXPECT_TRUE(DecodeBudget::ChargePixels(1u << 30, 1u << 30, 8).ok());
}

TEST(DecodeBudgetTest, ChargesAddUpToTheLimitThenFailNamingTheSetting) {
  DecodeBudget::Scope scope(1000);
  EXPECT_EQ(DecodeBudget::Limit(), 1000u);
  EXPECT_TRUE(DecodeBudget::Charge(600).ok());
  EXPECT_TRUE(DecodeBudget::ChargePixels(10, 10, 4).ok());  // 1000 in all: exactly the limit
  EXPECT_EQ(scope.used(), 1000u);
  Status over = DecodeBudget::Charge(1);
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("max-decoded-bytes"), std::string::npos);
  EXPECT_EQ(scope.used(), 1000u);  // a refused charge is not counted
}

TEST(DecodeBudgetTest, OverflowingPixelCountsFail) {
  DecodeBudget::Scope scope(uint64_t{1} << 40);
  EXPECT_FALSE(DecodeBudget::ChargePixels(uint64_t{1} << 32, uint64_t{1} << 32, 3).ok());
  EXPECT_FALSE(DecodeBudget::ChargePixels(uint64_t{1} << 62, 2, 4).ok());
  EXPECT_EQ(scope.used(), 0u);
}

TEST(DecodeBudgetTest, ScopesNestAndAreEachThreadsOwn) {
  DecodeBudget::Scope outer(100);
  ASSERT_TRUE(DecodeBudget::Charge(90).ok());
  {
    // A streaming step starts afresh with the same limit.
    DecodeBudget::Scope strip(DecodeBudget::Limit());
    EXPECT_TRUE(DecodeBudget::Charge(100).ok());
    EXPECT_FALSE(DecodeBudget::Charge(1).ok());
  }
  EXPECT_EQ(outer.used(), 90u);
  EXPECT_FALSE(DecodeBudget::Charge(11).ok());
  // Another thread has no scope open.
  bool other_ok = false;
  std::thread t([&] { other_ok = DecodeBudget::Limit() == 0 && DecodeBudget::Charge(1000).ok(); });
  t.join();
  EXPECT_TRUE(other_ok);
  {
    DecodeBudget::Scope unlimited(0);
    EXPECT_TRUE(DecodeBudget::Charge(UINT64_MAX).ok());
  }
  EXPECT_EQ(DecodeBudget::Limit(), 100u);
}

}  // namespace
}  // namespace tessera

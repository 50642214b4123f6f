#include "store/passwords.h"

#include <gtest/gtest.h>

#include <set>

namespace tessera {
namespace {

TEST(PasswordsTest, HashVerifies) {
  auto hash = HashPassword("correct horse", /*fast=*/true);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse", ""));
  EXPECT_FALSE(VerifyPassword("correct horse", "not a hash"));
}

TEST(PasswordsTest, HashesAreSalted) {
  auto a = HashPassword("same", true);
  auto b = HashPassword("same", true);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same", *a));
  EXPECT_TRUE(VerifyPassword("same", *b));
}

TEST(PasswordsTest, InteractiveCostsVerify) {
  auto hash = HashPassword("slow but sure");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword("slow but sure", *hash));
  EXPECT_FALSE(VerifyPassword("slow but wrong", *hash));
}

TEST(PasswordsTest, EmptyAndBinaryPasswords) {
  auto empty = HashPassword("", true);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(VerifyPassword("", *empty));
  const std::string binary("a\0b", 3);
  auto hash = HashPassword(binary, true);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(binary, *hash));
  EXPECT_FALSE(VerifyPassword("a", *hash));
}

TEST(PasswordsTest, RandomSecrets) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = RandomSecret(64);
    ASSERT_EQ(s.size(), 64u);
    for (char c : s) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << c;
    }
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomSecret(0), "");
  EXPECT_EQ(RandomSecret(7).size(), 7u);
  // Over many draws every character class appears.
  std::string many = RandomSecret(4096);
  EXPECT_NE(many.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos);
  EXPECT_NE(many.find_first_of("abcdefghijklmnopqrstuvwxyz"), std::string::npos);
  EXPECT_NE(many.find_first_of("0123456789"), std::string::npos);
}

}  // namespace
}  // namespace tessera

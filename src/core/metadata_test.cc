#include "core/metadata.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

MetadataPatch PatchOf(std::string k, std::optional<std::string> v) {
  return {{std::move(k), std::move(v)}};
}

TEST(MergeMetadata, SetsReplacesAndRemoves) {
  auto m = MergeMetadata({}, {{"b", "2"}, {"a", "1"}});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (Metadata{{"a", "1"}, {"b", "2"}}));
  auto replaced = MergeMetadata(*m, PatchOf("a", "one"));
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(*replaced, (Metadata{{"a", "one"}, {"b", "2"}}));
  auto emptied = MergeMetadata(*replaced, {{"a", ""}, {"b", std::nullopt}});
  ASSERT_TRUE(emptied.ok());
  EXPECT_TRUE(emptied->empty());
}

TEST(MergeMetadata, RemovingAnAbsentKeyIsFine) {
  auto m = MergeMetadata({{"a", "1"}}, PatchOf("zzz", std::nullopt));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (Metadata{{"a", "1"}}));
}

TEST(MergeMetadata, LimitsOnKeysAndValues) {
  EXPECT_FALSE(MergeMetadata({}, PatchOf("", "x")).ok());
  EXPECT_TRUE(MergeMetadata({}, PatchOf(std::string(40, 'k'), "x")).ok());
  auto long_key = MergeMetadata({}, PatchOf(std::string(41, 'k'), "x"));
  ASSERT_FALSE(long_key.ok());
  EXPECT_EQ(long_key.error().param(), "metadata");
  EXPECT_TRUE(MergeMetadata({}, PatchOf("k", std::string(500, 'v'))).ok());
  EXPECT_FALSE(MergeMetadata({}, PatchOf("k", std::string(501, 'v'))).ok());
  // Characters, not bytes: 500 two-byte characters are fine.
  std::string wide;
  for (int i = 0; i < 500; ++i) wide += "\xc3\xa9";
  EXPECT_TRUE(MergeMetadata({}, PatchOf("k", wide)).ok());
}

TEST(MergeMetadata, FiftyKeysAfterTheMerge) {
  Metadata full;
  for (int i = 0; i < 50; ++i) full.emplace_back("k" + std::to_string(100 + i), "v");
  EXPECT_FALSE(MergeMetadata(full, PatchOf("another", "v")).ok());
  // Replacing or removing while full is fine; removing one makes room for another.
  EXPECT_TRUE(MergeMetadata(full, PatchOf("k100", "w")).ok());
  EXPECT_TRUE(MergeMetadata(full, {{"k100", std::nullopt}, {"another", "v"}}).ok());
}

TEST(MetadataJson, CompactAsciiWithEscapes) {
  Metadata m{{"a\"b", "x\\y"}, {"plan", "caf\xc3\xa9"}, {"tab", "\t"}, {"z", "\xf0\x9f\x98\x80"}};
  const std::string json = MetadataToJson(m);
  EXPECT_EQ(json,
            "{\"a\\\"b\":\"x\\\\y\",\"plan\":\"caf\\u00e9\",\"tab\":\"\\u0009\","
            "\"z\":\"\\ud83d\\ude00\"}");
  for (char c : json) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  auto back = MetadataFromJson(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, m);
  EXPECT_EQ(MetadataToJson({}), "{}");
}

TEST(MetadataJson, RefusesMalformed) {
  EXPECT_FALSE(MetadataFromJson("").has_value());
  EXPECT_FALSE(MetadataFromJson("{").has_value());
  EXPECT_FALSE(MetadataFromJson("{\"a\":1}").has_value());
  EXPECT_FALSE(MetadataFromJson("{\"a\":\"b\"} x").has_value());
  EXPECT_FALSE(MetadataFromJson("{\"a\":\"\\ud800\"}").has_value());
  auto ok = MetadataFromJson(" { \"b\" : \"1\" , \"a\":\"2\" } ");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, (Metadata{{"a", "2"}, {"b", "1"}}));
}

}  // namespace
}  // namespace keyward

// keyward.example.toml says that every value in it is the built-in default. These tests hold it to
// that, setting by setting over the whole schema, so the file and the code cannot drift apart.
#include "app/config/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace keyward::config {
namespace {

const std::string kExample = std::string(KEYWARD_SOURCE_DIR) + "/keyward.example.toml";

std::string Show(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::string out = "[";
  for (const std::string& s : std::get<std::vector<std::string>>(v)) out += "\"" + s + "\",";
  return out + "]";
}

void ExpectSameSettings(const Config& actual, const Config& defaults) {
  for (const auto& [path, spec] : Keys()) {
    EXPECT_EQ(Show(spec.get(actual)), Show(spec.get(defaults))) << path;
  }
  EXPECT_EQ(actual.service.plans, defaults.service.plans);
  EXPECT_TRUE(actual.service.routes.rules().empty());
}

TEST(ConfigSchemaTest, TheExampleFileHoldsTheBuiltInDefaults) {
  auto example = LoadConfig(kExample, nullptr);
  ASSERT_TRUE(example.ok()) << example.error().message();
  ExpectSameSettings(*example, Config{});
}

TEST(ConfigSchemaTest, NoFileMeansTheBuiltInDefaults) {
  auto loaded = LoadConfig("", nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ExpectSameSettings(*loaded, Config{});
}

TEST(ConfigSchemaTest, TheExampleFileDocumentsEveryKey) {
  std::stringstream text;
  text << std::ifstream(kExample).rdbuf();
  ASSERT_FALSE(text.str().empty()) << kExample;
  for (const auto& [path, spec] : Keys()) {
    // The last component, set or commented out ("# cert = ..."), or inside an inline table.
    const std::string leaf = path.substr(path.rfind('.') + 1);
    EXPECT_NE(text.str().find(leaf + " = "), std::string::npos) << path;
  }
}

TEST(ConfigSchemaTest, EveryKeyReadsBackWhatItStored) {
  // A setting written in the file's form and read back is unchanged (hours stay hours).
  for (const auto& [path, spec] : Keys()) {
    Config c;
    const Value before = spec.get(c);
    EXPECT_EQ(spec.set(c, before), "") << path;
    EXPECT_EQ(Show(spec.get(c)), Show(before)) << path;
  }
}

}  // namespace
}  // namespace keyward::config

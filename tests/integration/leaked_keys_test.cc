// Leaked-key reports against the real binary (API.md 15): a report signed like GitHub's
// secret-scanning partner program (ECDSA P-256 / SHA-256, with a key pair the test makes with
// OpenSSL and hands to keyward as leaks.github_public_keys) revokes the live key and records
// token.leaked; a forged or unsigned report is refused (401) and changes nothing; an admin key
// may post unsigned; unknown keys are false positives; leaks.action = "notify" only records.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "harness.h"

namespace keyward_it {
namespace {

namespace json = boost::json;

// An ECDSA P-256 key pair made here.
class SigningKey {
 public:
  SigningKey() : key_(EVP_EC_gen("P-256"), &EVP_PKEY_free) {
    if (!key_) throw std::runtime_error("EVP_EC_gen failed");
  }
  std::string PublicPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
  }
  // base64 of the DER ECDSA signature over `body` with SHA-256, as GitHub sends it.
  std::string Sign(const std::string& body) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    size_t len = 0;
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get());
    EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(body.data()),
                   body.size());
    std::string der(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                   reinterpret_cast<const unsigned char*>(body.data()), body.size());
    der.resize(len);
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der.data()),
                                  static_cast<int>(der.size()));
    b64.resize(static_cast<size_t>(n));
    return b64;
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

std::string LeakConfig(const SigningKey& key, const std::string& action = "revoke") {
  return "[leaks]\naction = \"" + action +
         "\"\ngithub_public_keys = [{ id = \"gh-key-1\", pem = '''\n" + key.PublicPem() +
         "''' }]\n";
}

std::string Report(const std::vector<std::string>& tokens) {
  json::array items;
  for (const std::string& t : tokens) {
    items.push_back(json::object{{"token", t},
                                 {"type", "keyward_secret_key"},
                                 {"url", "https://github.com/octo/repo/blob/abc/config.js"},
                                 {"source", "content"}});
  }
  return json::serialize(items);
}

Headers Signed(const SigningKey& key, const std::string& body, const std::string& id = "gh-key-1") {
  return {{"Github-Public-Key-Identifier", id}, {"Github-Public-Key-Signature", key.Sign(body)}};
}

bool LeakedKeyValid(HttpClient& c, const std::string& key) {
  Response r = Verify(c, key);
  return r.status == 200 && r.object().at("valid") == true;
}

TEST(LeakedKeysTest, ASignedReportRevokesTheLiveKeyAndRecordsTokenLeaked) {
  SigningKey github;
  KeywardOptions options;
  options.config_toml = LeakConfig(github);
  KeywardProcess server(options);
  HttpClient c = server.Client();
  const std::string account = CreateAccount(c, server.admin_key());
  CreatedKey live = CreateKey(c, AdminFor(server.admin_key(), account));
  CreatedKey revoked = CreateKey(c, AdminFor(server.admin_key(), account));
  RevokeKey(c, AdminFor(server.admin_key(), account), revoked.id);
  const std::string unknown = "sk_live_0000000000000000000000000000000000000";

  const std::string body = Report({live.key, revoked.key, unknown});
  Response r = c.PostRaw("/v1/leaked_keys", body, Signed(github, body));
  ASSERT_EQ(r.status, 200) << Describe(r);
  json::array rows = r.json().as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (json::object{{"token_raw", live.key},
                                   {"token_type", "keyward_secret_key"},
                                   {"label", "true_positive"}}));
  EXPECT_EQ(rows[1].at("label"), "true_positive") << "issued by keyward, even if revoked";
  EXPECT_EQ(rows[2].at("label"), "false_positive");
  EXPECT_FALSE(LeakedKeyValid(c, live.key)) << "revoked by the report";

  Response events = c.Get("/v1/events?type=token.leaked", Admin(server.admin_key()));
  ASSERT_EQ(events.status, 200);
  json::array data = events.object().at("data").as_array();
  ASSERT_EQ(data.size(), 1u) << "only the live key is acted on";
  json::object e = data[0].as_object();
  EXPECT_EQ(e.at("actor"), (json::object{{"type", "system"}, {"id", "github"}, {"ip", nullptr}}));
  EXPECT_EQ(AsString(e.at("account")), account);
  EXPECT_EQ(AsString(e.at("data").at("object").at("id")), live.id);
  EXPECT_EQ(e.at("data").at("object").at("status"), "revoked");
  EXPECT_EQ(e.at("data").at("leak"),
            (json::object{{"url", "https://github.com/octo/repo/blob/abc/config.js"},
                          {"source", "content"},
                          {"reported_by", "github"}}));
  EXPECT_EQ(json::serialize(e).find(live.key), std::string::npos) << "no key in an event";
}

TEST(LeakedKeysTest, AForgedOrMissingSignatureIs401AndChangesNothing) {
  SigningKey github, forger;
  KeywardOptions options;
  options.config_toml = LeakConfig(github);
  KeywardProcess server(options);
  HttpClient c = server.Client();
  const std::string account = CreateAccount(c, server.admin_key());
  CreatedKey live = CreateKey(c, AdminFor(server.admin_key(), account));
  const std::string body = Report({live.key});

  Response forged = c.PostRaw("/v1/leaked_keys", body, Signed(forger, body));
  EXPECT_TRUE(IsError(forged, 401, "UNAUTHORIZED")) << Describe(forged);
  Response other_body = c.PostRaw("/v1/leaked_keys", body, Signed(github, body + " "));
  EXPECT_TRUE(IsError(other_body, 401, "UNAUTHORIZED"));
  Response unknown_id = c.PostRaw("/v1/leaked_keys", body, Signed(github, body, "gh-key-2"));
  EXPECT_TRUE(IsError(unknown_id, 401, "UNAUTHORIZED"));
  Response garbage = c.PostRaw("/v1/leaked_keys", body,
                               {{"Github-Public-Key-Identifier", "gh-key-1"},
                                {"Github-Public-Key-Signature", "bm90IGEgc2lnbmF0dXJl"}});
  EXPECT_TRUE(IsError(garbage, 401, "UNAUTHORIZED"));
  Response unsigned_report = c.PostRaw("/v1/leaked_keys", body);
  EXPECT_TRUE(IsError(unsigned_report, 401, "UNAUTHORIZED"));
  Response with_key = c.PostRaw("/v1/leaked_keys", body, ApiKey(live.key));
  EXPECT_EQ(with_key.status, 401) << "an account's key is no admin key";

  EXPECT_TRUE(LeakedKeyValid(c, live.key));
  Response events = c.Get("/v1/events?type=token.leaked", Admin(server.admin_key()));
  EXPECT_TRUE(events.object().at("data").as_array().empty());
}

TEST(LeakedKeysTest, AnAdminKeyMayReportUnsignedAndNotifyOnlyRecords) {
  SigningKey github;
  KeywardOptions options;
  options.config_toml = LeakConfig(github, "notify");
  KeywardProcess server(options);
  HttpClient c = server.Client();
  const std::string account = CreateAccount(c, server.admin_key());
  CreatedKey live = CreateKey(c, AdminFor(server.admin_key(), account));
  Response r = c.PostRaw("/v1/leaked_keys", Report({live.key}), Admin(server.admin_key()));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.json().as_array()[0].at("label"), "true_positive");
  EXPECT_TRUE(LeakedKeyValid(c, live.key)) << "notify does not revoke";
  Response events = c.Get("/v1/events?type=token.leaked", Admin(server.admin_key()));
  json::array data = events.object().at("data").as_array();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].at("actor").at("type"), "admin_key");
  EXPECT_EQ(data[0].at("data").at("leak").at("reported_by"), "admin");
  EXPECT_EQ(data[0].at("data").at("object").at("status"), "active");

  Response bad = c.PostRaw("/v1/leaked_keys", "{\"token\":\"x\"}", Admin(server.admin_key()));
  EXPECT_TRUE(IsError(bad, 400, "INVALID_REQUEST")) << Describe(bad);
}

}  // namespace
}  // namespace keyward_it

// Fixture: one keyward server shared by all tests of a suite. A derived fixture defines
//   static void SetUpTestSuite() { StartShared(options); }
//   static void TearDownTestSuite() { StopShared(); }
// Each test gets its own client (client()) and must not depend on other tests' data.
// A server that fails to start makes every test of the suite fail with the reason; a failed test
// prints the tail of the server's log. Single-threaded (GoogleTest's main thread).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/http_client.h"
#include "harness/keyward_process.h"

namespace keyward_it {

class SharedServerTest : public ::testing::Test {
 protected:
  static void StartShared(KeywardOptions options = {});
  static void StopShared();
  static KeywardProcess& server() { return *shared_; }

  void SetUp() override;
  void TearDown() override;

  HttpClient& client() { return *client_; }
  const std::string& admin() const { return shared_->admin_key(); }

 private:
  static std::unique_ptr<KeywardProcess> shared_;
  static std::string start_error_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace keyward_it

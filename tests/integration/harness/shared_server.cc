// The one-server-per-suite fixture: see shared_server.h.
#include "harness/shared_server.h"

#include <cstdio>

namespace keyward_it {

std::unique_ptr<KeywardProcess> SharedServerTest::shared_;
std::string SharedServerTest::start_error_;

void SharedServerTest::StartShared(KeywardOptions options) {
  shared_.reset();
  start_error_.clear();
  try {
    shared_ = std::make_unique<KeywardProcess>(std::move(options));
  } catch (const std::exception& e) {
    start_error_ = e.what();
  }
}

void SharedServerTest::StopShared() {
  if (shared_ && shared_->running()) {
    int st = shared_->Stop();
    if (st != 0) std::fprintf(stderr, "shared keyward server exited with status %d\n", st);
  }
  shared_.reset();
}

void SharedServerTest::SetUp() {
  ASSERT_TRUE(shared_) << "the shared keyward server did not start: " << start_error_;
  ASSERT_TRUE(shared_->running()) << "the shared keyward server is not running";
  client_ = std::make_unique<HttpClient>(shared_->port());
}

void SharedServerTest::TearDown() {
  client_.reset();
  if (HasFailure() && shared_) {
    std::fprintf(stderr, "---- keyward log tail (%s) ----\n%s\n---- end of log ----\n",
                 shared_->log_path().c_str(), shared_->LogTail().c_str());
  }
}

}  // namespace keyward_it

// SQLite store faults under a running node (API.md 16.1, issue 19): a full disk (a small tmpfs the
// test mounts), a file system the kernel turns read-only (ext4 on a loop device, errors=remount-ro,
// its error triggered through sysfs), and a database another process holds locked past the busy
// timeout. Each: writes answer 503 UNAVAILABLE with Retry-After and keyward's own sentence, no
// acknowledged write is lost, a refused write leaves nothing behind, known keys keep verifying,
// /readyz reports what docs/operations.md says, and writes work again when the fault ends — without
// a restart (the read-only case: see that test). The tests run as root (mount); where mounting is
// impossible they skip saying why.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "faults/fault_checks.h"

namespace keyward_it::faults {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed (after unmounting) at the end.
class MountPoint {
 public:
  MountPoint() {
    char tmpl[] = "/tmp/keyward-fault-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~MountPoint() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    if (!image_.empty()) fs::remove(image_, ignored);
  }
  MountPoint(const MountPoint&) = delete;
  MountPoint& operator=(const MountPoint&) = delete;

  // mount -t tmpfs -o size=BYTES; returns the reason on failure.
  std::string MountTmpfs(size_t bytes) {
    const std::string opts = "size=" + std::to_string(bytes);
    if (mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      return std::string("mount -t tmpfs: ") + std::strerror(errno);
    }
    mounted_ = true;
    return {};
  }

  // A 32 MiB ext4 image on a loop device, errors=remount-ro; returns the reason on failure.
  std::string MountExt4() {
    image_ = path_ + ".img";
    const std::string make = "truncate -s 32M " + image_ + " && mkfs.ext4 -q -F " + image_ +
                             " >/dev/null 2>&1 && mount -o loop,errors=remount-ro " + image_ + " " +
                             path_;
    if (std::system(make.c_str()) != 0) return "cannot make and mount an ext4 loop device";
    mounted_ = true;
    return {};
  }
  // The loop device's name ("loop3") under /sys/fs/ext4.
  std::string Ext4Device() const {
    const std::string cmd = "findmnt -n -o SOURCE " + path_;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[256] = {};
    if (p == nullptr) return {};
    if (fgets(buf, sizeof buf, p) == nullptr) buf[0] = 0;
    pclose(p);
    std::string dev = buf;
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
    return fs::path(dev).filename().string();
  }
  bool Unmount() {
    if (!mounted_) return true;
    if (umount(path_.c_str()) != 0) return false;
    mounted_ = false;
    return true;
  }
  bool Remount() {
    const std::string cmd =
        "e2fsck -fy " + image_ + " >/dev/null 2>&1; mount -o loop " + image_ + " " + path_;
    if (std::system(cmd.c_str()) != 0) return false;
    mounted_ = true;
    return true;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string image_;
  bool mounted_ = false;
};

// Fills the file system holding `dir` with one file until a write fails (ENOSPC).
inline std::string FillUp(const std::string& dir) {
  const std::string filler = dir + "/filler";
  int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the filler");
  std::string chunk(64 * 1024, 'f');
  for (;;) {
    ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
  }
  for (;;) {  // the last few bytes too
    if (write(fd, chunk.data(), 1) != 1) break;
  }
  fsync(fd);
  close(fd);
  return filler;
}

class SqliteFaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<KeywardProcess> StartOn(const std::string& store_dir) {
    KeywardOptions options;
    options.store_dir = store_dir;
    return std::make_unique<KeywardProcess>(options);
  }

  // Creates keys until one is refused (at most `attempts`); every key acknowledged goes into
  // `acked`. Returns the refusal (status 0 when every attempt succeeded).
  static Response CreateUntilRefused(HttpClient& c, const Headers& auth, int attempts,
                                     std::set<std::string>* acked) {
    for (int i = 0; i < attempts; ++i) {
      Response r = TryCreateKey(c, auth, "during-fault-" + std::to_string(i));
      if (r.status != 200) return r;
      acked->insert(std::string(r.object().at("id").as_string()));
    }
    return Response{};
  }

  static std::set<std::string> AsSet(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
  }
};

TEST_F(SqliteFaultTest, AFullDiskRefusesWritesWith503AndRecoversWhenSpaceIsFreed) {
  MountPoint mnt;
  if (std::string why = mnt.MountTmpfs(8 << 20); !why.empty()) {
    GTEST_SKIP() << "cannot mount a tmpfs (the test needs root): " << why;
  }
  auto node = StartOn(mnt.path());
  HttpClient c = node->Client();
  const std::string admin = node->admin_key();
  const std::string account = CreateAccount(c, admin);
  const Headers auth = AdminFor(admin, account);
  std::set<std::string> acked;
  CreatedKey known = CreateKey(c, auth);
  acked.insert(known.id);
  ASSERT_TRUE(Verifies(c, known.key));

  const std::string filler = FillUp(mnt.path());
  // SQLite may still fit a few writes in space its WAL already holds: those are acknowledged.
  Response refused = CreateUntilRefused(c, auth, 2000, &acked);
  ASSERT_TRUE(IsUnavailable(refused)) << "the disk never filled up";
  EXPECT_EQ(MessageOf(refused), "The store is full; writes are refused until space is freed.");

  // Known keys keep verifying; other writes are refused the same way; the node stays up and ready
  // (reads still work: docs/operations.md, "Store faults").
  EXPECT_TRUE(Verifies(c, known.key));
  Response account_write =
      c.Post("/v1/accounts", boost::json::object{{"email", UniqueEmail()}}, Admin(admin));
  EXPECT_TRUE(IsUnavailable(account_write));
  EXPECT_EQ(GetFresh(node->port(), "/healthz").status, 200);
  Response ready = GetFresh(node->port(), "/readyz");
  EXPECT_EQ(ready.status, 200) << Describe(ready);

  // Space freed: writes succeed again, same process.
  const pid_t pid = node->pid();
  fs::remove(filler);
  Response after;
  ASSERT_TRUE(PollUntil(
      [&] {
        after = TryCreateKey(c, auth, "after-fault");
        return after.status == 200;
      },
      kFaultDeadline))
      << Describe(after);
  EXPECT_EQ(node->pid(), pid);
  acked.insert(std::string(after.object().at("id").as_string()));

  // Every acknowledged write is there; the refused ones left nothing.
  EXPECT_EQ(AsSet(TokenIds(c, auth)), acked);
  // And it survives a restart (on disk, not only in memory).
  node->Restart();
  HttpClient again = node->Client();
  EXPECT_EQ(AsSet(TokenIds(again, auth)), acked);
  node->Stop();
}

TEST_F(SqliteFaultTest, AFileSystemTurnedReadOnlyRefusesWritesWith503AndKeepsEveryAckedWrite) {
  MountPoint mnt;
  if (std::string why = mnt.MountExt4(); !why.empty()) {
    GTEST_SKIP() << "cannot mount ext4 on a loop device (the test needs root): " << why;
  }
  const std::string trigger = "/sys/fs/ext4/" + mnt.Ext4Device() + "/trigger_fs_error";
  if (access(trigger.c_str(), W_OK) != 0) GTEST_SKIP() << "no " << trigger;
  auto node = StartOn(mnt.path());
  HttpClient c = node->Client();
  const std::string admin = node->admin_key();
  const std::string account = CreateAccount(c, admin);
  const Headers auth = AdminFor(admin, account);
  std::set<std::string> acked;
  CreatedKey known = CreateKey(c, auth);
  acked.insert(known.id);

  // The kernel turns the file system read-only, as it does on an I/O error (errors=remount-ro).
  {
    std::ofstream t(trigger);
    t << "1";
  }
  Response refused = CreateUntilRefused(c, auth, 50, &acked);
  ASSERT_TRUE(IsUnavailable(refused));
  EXPECT_EQ(MessageOf(refused), "The store is read-only; writes are refused until it is writable.");
  EXPECT_TRUE(Verifies(c, known.key));
  EXPECT_EQ(GetFresh(node->port(), "/readyz").status, 200);
  EXPECT_EQ(AsSet(TokenIds(c, auth)), acked) << "reads carry on, nothing half-written";

  // The kernel refuses to make an errored file system writable while it is mounted (`mount -o
  // remount,rw` fails until it is unmounted and checked), so the recovery is the operator's:
  // stop the node, unmount, e2fsck, mount, start (docs/operations.md).
  ASSERT_NE(std::system(("mount -o remount,rw " + mnt.path() + " 2>/dev/null").c_str()), 0)
      << "the kernel made the file system writable again: recovery could be tested live";
  node->Stop();
  ASSERT_TRUE(mnt.Unmount());
  ASSERT_TRUE(mnt.Remount());
  node->Start();
  HttpClient again = node->Client();
  EXPECT_EQ(AsSet(TokenIds(again, auth)), acked);
  EXPECT_TRUE(Verifies(again, known.key));
  Response after = TryCreateKey(again, auth, "after-remount");
  EXPECT_EQ(after.status, 200) << Describe(after);
  node->Stop();
}

TEST_F(SqliteFaultTest, ADatabaseLockedPastTheBusyTimeoutRefusesWritesWith503) {
  auto node = StartOn("");
  HttpClient c = node->Client();
  const std::string admin = node->admin_key();
  const std::string account = CreateAccount(c, admin);
  const Headers auth = AdminFor(admin, account);
  std::set<std::string> acked;
  CreatedKey known = CreateKey(c, auth);
  acked.insert(known.id);

  // Another process (here: this test) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((node->data_dir() + "/keyward.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  Response refused = TryCreateKey(c, auth, "while-locked");
  EXPECT_TRUE(IsUnavailable(refused));
  EXPECT_EQ(MessageOf(refused), "The store is busy; try again shortly.");
  EXPECT_TRUE(Verifies(c, known.key));
  EXPECT_EQ(GetFresh(node->port(), "/readyz").status, 200);

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  Response after;
  ASSERT_TRUE(PollUntil(
      [&] {
        after = TryCreateKey(c, auth, "after-lock");
        return after.status == 200;
      },
      kFaultDeadline))
      << Describe(after);
  acked.insert(std::string(after.object().at("id").as_string()));
  EXPECT_EQ(AsSet(TokenIds(c, auth)), acked);
  node->Stop();
}

}  // namespace keyward_it::faults

// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), as in
// leveldb's port/thread_annotations.h and abseil's base/thread_annotations.h. With clang and
// -Wthread-safety the compiler checks that a GUARDED_BY member is touched only with its mutex held
// and that REQUIRES functions are called with it; with other compilers the macros expand to
// nothing. Use them with the annotated Mutex / SharedMutex of core/mutex.h (libstdc++'s std::mutex
// carries no capability attributes).
#pragma once

#if defined(__clang__)
#define KEYWARD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KEYWARD_THREAD_ANNOTATION(x)  // no-op
#endif

// A type that is a lock ("mutex").
#define CAPABILITY(x) KEYWARD_THREAD_ANNOTATION(capability(x))
// An RAII type that holds a capability for its lifetime.
#define SCOPED_CAPABILITY KEYWARD_THREAD_ANNOTATION(scoped_lockable)
// The member is read and written only with `x` held (shared suffices for reads).
#define GUARDED_BY(x) KEYWARD_THREAD_ANNOTATION(guarded_by(x))
// The pointee is read and written only with `x` held.
#define PT_GUARDED_BY(x) KEYWARD_THREAD_ANNOTATION(pt_guarded_by(x))
// Lock ordering: this mutex is taken after / before the listed ones.
#define ACQUIRED_AFTER(...) KEYWARD_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) KEYWARD_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
// The caller must hold the capabilities exclusively / at least shared.
#define REQUIRES(...) KEYWARD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) KEYWARD_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// The function acquires / releases the capabilities (exclusively or shared).
#define ACQUIRE(...) KEYWARD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) KEYWARD_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) KEYWARD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) KEYWARD_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) KEYWARD_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
// The function tries to acquire; the first argument is the return value meaning success.
#define TRY_ACQUIRE(...) KEYWARD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) \
  KEYWARD_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
// The caller must not hold the capabilities (the function takes them itself).
#define EXCLUDES(...) KEYWARD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// Asserts at run time that the capability is held; the analysis then assumes it.
#define ASSERT_CAPABILITY(x) KEYWARD_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) KEYWARD_THREAD_ANNOTATION(assert_shared_capability(x))
// The function returns a reference to the capability.
#define RETURN_CAPABILITY(x) KEYWARD_THREAD_ANNOTATION(lock_returned(x))
// Turns the analysis off for one function (say why next to it).
#define NO_THREAD_SAFETY_ANALYSIS KEYWARD_THREAD_ANNOTATION(no_thread_safety_analysis)

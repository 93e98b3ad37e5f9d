// The `keyward` command line (API.md 9, 16): serve, admin-key create, accounts create|list,
// tokens create|list|revoke, backup, verify, version. Returns the process exit code.
#pragma once

#include "grpc/grpc_edge.h"  // GrpcEdgeStarter: a type only; the binary links the edge

namespace keyward {

// `start_grpc` starts the gRPC edge for `serve` when server.listen_grpc is set (the keyward binary
// passes StartGrpcEdge; null: this build has no gRPC edge, and such a config is refused).
int RunCli(int argc, char** argv, GrpcEdgeStarter start_grpc = nullptr);

}  // namespace keyward

#include "app/cli.h"
#include "grpc/grpc_edge.h"

// The binary is where the gRPC edge is linked in (keeping gRPC out of the libraries' tests).
int main(int argc, char** argv) {
  return keyward::RunCli(argc, argv, keyward::StartGrpcEdge);
}

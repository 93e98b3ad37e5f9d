#include "app/cli.h"

int main(int argc, char** argv) { return keyward::RunCli(argc, argv); }

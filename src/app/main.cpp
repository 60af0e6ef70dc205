#include "app/cli.hpp"

int main(int argc, char** argv) { return mmclaw::app::run_cli(argc, argv); }

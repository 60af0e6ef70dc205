// The one translation unit that compiles Asio (with its TLS support) and Beast.
// Targets that use them link mmclaw_asio, whose compile definitions turn the
// headers everywhere else into declarations only (see ../CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

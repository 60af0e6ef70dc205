#include "http_client_test_support.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mmclaw::net::test {

namespace {

namespace http = beast::http;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

Key make_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "keygen");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               const std::string& san) {
  static long serial = 1;
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!san.empty()) add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "sign");
  return cert;
}

std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  check(BIO_read(bio, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size()), "read");
  return out;
}

std::string cert_pem(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM cert");
  return drain(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM key");
  return drain(bio.get());
}

asio::awaitable<void> serve_tls(tcp::socket socket, std::shared_ptr<ssl::context> context) {
  ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *context);
  stream.next_layer().expires_after(5s);
  auto [hs] = co_await stream.async_handshake(ssl::stream_base::server, kUseTuple);
  if (hs) co_return;
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    stream.next_layer().expires_after(5s);
    auto [rec, read] = co_await http::async_read(stream, buffer, req, kUseTuple);
    if (rec) co_return;
    http::response<http::string_body> res{http::status::ok, 11};
    res.body() = "tls " + std::string(req.target());
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, written] = co_await http::async_write(stream, res, kUseTuple);
    if (wec) co_return;
  }
}

asio::awaitable<void> pipe(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  std::array<char, 16384> data{};
  for (;;) {
    auto [ec, n] = co_await from->async_read_some(asio::buffer(data), kUseTuple);
    if (ec) break;
    auto [wec, m] = co_await asio::async_write(*to, asio::buffer(data.data(), n), kUseTuple);
    if (wec) break;
  }
  boost::system::error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> serve_proxy(tcp::socket socket, std::shared_ptr<ProxyLog> log) {
  auto client = std::make_shared<tcp::socket>(std::move(socket));
  std::string data;
  auto [ec, n] = co_await asio::async_read_until(*client, asio::dynamic_buffer(data), "\r\n\r\n", kUseTuple);
  if (ec) co_return;
  const std::string head = data.substr(0, n);
  log->heads.push_back(head);
  const auto sp1 = head.find(' ');
  const auto sp2 = head.find(' ', sp1 + 1);
  const std::string authority = head.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto colon = authority.rfind(':');
  if (head.substr(0, sp1) != "CONNECT" || colon == std::string::npos) {
    co_await asio::async_write(
        *client, asio::buffer(std::string_view("HTTP/1.1 405 No\r\nContent-Length: 0\r\n\r\n")), kUseTuple);
    co_return;
  }
  auto upstream = std::make_shared<tcp::socket>(client->get_executor());
  tcp::resolver resolver(client->get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(authority.substr(0, colon), authority.substr(colon + 1), kUseTuple);
  if (rec) co_return;
  auto [cec, endpoint] = co_await asio::async_connect(*upstream, results, kUseTuple);
  if (cec) {
    co_await asio::async_write(*client, asio::buffer(std::string_view("HTTP/1.1 502 No\r\n\r\n")), kUseTuple);
    co_return;
  }
  const std::string_view established = "HTTP/1.1 200 Connection established\r\n\r\n";
  auto [wec, written] = co_await asio::async_write(*client, asio::buffer(established), kUseTuple);
  if (wec) co_return;
  asio::co_spawn(client->get_executor(), pipe(upstream, client), asio::detached);
  co_await pipe(client, upstream);
}

}  // namespace

TestPki make_test_pki(const std::string& san) {
  Key ca_key = make_key();
  Cert ca = make_cert(ca_key.get(), "mmclaw test CA", nullptr, ca_key.get(), true, "");
  Key server_key = make_key();
  Cert server = make_cert(server_key.get(), "mmclaw test server", ca.get(), ca_key.get(), false, san);
  return TestPki{cert_pem(ca.get()), cert_pem(server.get()), key_pem(server_key.get())};
}

std::shared_ptr<ssl::context> server_tls_context(const TestPki& pki) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->use_certificate_chain(asio::buffer(pki.server_cert_pem));
  context->use_private_key(asio::buffer(pki.server_key_pem), ssl::context::pem);
  return context;
}

std::function<asio::awaitable<void>(tcp::socket)> tls_session(std::shared_ptr<ssl::context> context) {
  return [context](tcp::socket socket) { return serve_tls(std::move(socket), context); };
}

std::function<asio::awaitable<void>(tcp::socket)> connect_proxy_session(std::shared_ptr<ProxyLog> log) {
  return [log](tcp::socket socket) { return serve_proxy(std::move(socket), log); };
}

}  // namespace mmclaw::net::test

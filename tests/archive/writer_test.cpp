#include "archive/writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <clocale>
#include <random>

namespace moss {
namespace {

struct member {
  std::string name;
  std::string data;
  int type = AE_IFREG;
  int64_t mtime = 0;
};

/// Reads an archive with libarchive (an independent reader).
std::vector<member> read_back(const std::string& bytes) {
  // libarchive converts names through the locale: make it UTF-8.
  std::setlocale(LC_ALL, "C.UTF-8");
  std::vector<member> result;
  auto* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK)
      << archive_error_string(a);
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    member m;
    m.name = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
                                            : archive_entry_pathname(e);
    m.type = archive_entry_filetype(e);
    m.mtime = archive_entry_mtime(e);
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
      m.data.append(buf, static_cast<size_t>(n));
    EXPECT_GE(n, 0) << archive_error_string(a);
    result.push_back(std::move(m));
  }
  EXPECT_EQ(rc, ARCHIVE_EOF) << archive_error_string(a);
  archive_read_free(a);
  return result;
}

std::vector<member> sample_members() {
  std::mt19937 rng{42};
  std::string big(300 * 1024, '\0');
  for (auto& c : big)
    c = static_cast<char>(rng());
  return {
      {"b/empty", ""},
      {"b/one", "x"},
      {"b/" + std::string(150, 'n'), "long name"},
      {"b/" + std::string(120, 'd') + "/" + std::string(90, 'f'), "split"},
      // A USTAR prefix may not end with '/': readers join it to the name
      // with one, unless it ends with one (libarchive), and "//" turns "/".
      {"b/" + std::string(80, 'p') + "//" + std::string(60, 'q'), "slashes"},
      {"b/a/b/c/d/e/f/nested.txt", "nested"},
      {"b/with space/ünïcødé 名前.wav", "unicode"},
      {"b/big.bin", big},
      {"b/dup", "first"},
      {"b/dup", "second"},
      {"__404__/b/missing", ""},
  };
}

/// How entry data reaches the writer.
enum class feed { copied, owned, file_spans };

/// A span of a fresh unlinked file holding `data`.
std::shared_ptr<const file_span> span_of(const std::string& data) {
  char path[] = "/tmp/moss-span-XXXXXX";
  int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  ::unlink(path);
  // A prefix, so that offsets other than 0 are exercised.
  std::string content = "prefix" + data;
  EXPECT_EQ(::write(fd, content.data(), content.size()),
            static_cast<ssize_t>(content.size()));
  return std::make_shared<const file_span>(fd, 6, data.size());
}

std::string build(archive_format fmt, const std::vector<member>& members,
                  bool flush_often, feed how = feed::copied) {
  auto w = archive::make_writer(fmt);
  std::string out;
  for (auto& m : members) {
    w->begin_entry(m.name, m.data.size(), 1'700'000'000);
    // Feed the data in uneven pieces, as chunks arrive from targets.
    for (size_t off = 0; off < m.data.size(); off += 70001) {
      auto n = std::min<size_t>(70001, m.data.size() - off);
      if (how == feed::owned)
        w->write_owned(m.data.substr(off, n));
      else if (how == feed::file_spans)
        w->write_file(span_of(m.data.substr(off, n)));
      else
        w->write(m.data.data() + off, n);
      if (!flush_often)
        continue; // let owned pieces and headers pile up between takes
      out += w->take();
    }
    w->end_entry();
    if (flush_often)
      w->flush();
    out += w->take();
  }
  w->finish();
  out += w->take();
  return out;
}

class writer_test : public ::testing::TestWithParam<archive_format> {};

TEST_P(writer_test, every_member_reads_back_in_order) {
  auto members = sample_members();
  for (bool flush_often : {false, true}) {
    auto bytes = build(GetParam(), members, flush_often);
    auto got = read_back(bytes);
    ASSERT_EQ(got.size(), members.size());
    for (size_t i = 0; i < members.size(); ++i) {
      EXPECT_EQ(got[i].name, members[i].name) << i;
      EXPECT_EQ(got[i].data, members[i].data) << members[i].name;
      EXPECT_EQ(got[i].type, AE_IFREG) << members[i].name;
    }
    EXPECT_EQ(got[1].mtime, 1'700'000'000);
  }
}

TEST_P(writer_test, owned_pieces_give_the_same_bytes_as_copied_ones) {
  auto members = sample_members();
  for (bool flush_often : {false, true}) {
    auto copied = build(GetParam(), members, flush_often);
    auto owned = build(GetParam(), members, flush_often, feed::owned);
    auto spans = build(GetParam(), members, flush_often, feed::file_spans);
    EXPECT_EQ(owned.size(), copied.size());
    EXPECT_TRUE(owned == copied) << "flush_often " << flush_often;
    EXPECT_TRUE(spans == copied) << "file spans, flush_often " << flush_often;
  }
}

TEST(tar_writer, large_owned_pieces_are_kept_apart_and_in_order) {
  auto w = archive::make_writer(archive_format::tar);
  std::string big(100'000, 'x');
  w->begin_entry("a", big.size() + 3, 0);
  w->write_owned(big);
  w->write_owned("abc");
  w->end_entry();
  std::vector<piece> parts;
  w->take_parts(parts);
  // Header, the adopted piece, then "abc" and the padding copied together.
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 512u);
  EXPECT_EQ(parts[1].bytes, big);
  EXPECT_EQ(parts[2].bytes.substr(0, 3), "abc");
  EXPECT_EQ((512 + big.size() + parts[2].size()) % 512, 0u);
}

TEST(tar_writer, file_spans_pass_through_untouched) {
  auto w = archive::make_writer(archive_format::tar);
  auto span = span_of(std::string(300'000, 'f'));
  w->begin_entry("a", span->length(), 0);
  w->write_file(span);
  w->end_entry();
  std::vector<piece> parts;
  w->take_parts(parts);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].file, span) << "the span itself, not its bytes";
  EXPECT_TRUE(parts[1].bytes.empty());
  EXPECT_EQ(parts[1].size(), 300'000u);
}

TEST(tar_writer, peer_spans_pass_through_and_only_tar_takes_them) {
  auto span = std::make_shared<const peer_span>(
      peer_span{"127.0.0.1:1", "token", 300'000, {}});
  auto w = archive::make_writer(archive_format::tar);
  w->begin_entry("a", span->length, 0);
  w->write_peer(span);
  w->end_entry();
  std::vector<piece> parts;
  w->take_parts(parts);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].peer, span);
  EXPECT_EQ(parts[1].size(), 300'000u);
  EXPECT_EQ(parts[0].size() + parts[1].size() + parts[2].size(),
            512u * (1 + 586))
      << "header, data, padding";
  for (auto fmt :
       {archive_format::tgz, archive_format::tar_lz4, archive_format::zip}) {
    auto c = archive::make_writer(fmt);
    c->begin_entry("a", span->length, 0);
    EXPECT_THROW(c->write_peer(span), std::logic_error);
  }
}

TEST(file_span, reading_past_the_end_of_a_shrunk_file_throws) {
  auto span = span_of("short");
  file_span longer{::dup(span->fd()), 0, 100};
  EXPECT_THROW(longer.read(), std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(formats, writer_test,
                         ::testing::Values(archive_format::tar,
                                           archive_format::tgz,
                                           archive_format::tar_lz4,
                                           archive_format::zip));

TEST(tar_header, ustar_fields_are_exact) {
  auto h = archive::tar_header("b/x", 5, 0);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 3), "b/x");
  EXPECT_EQ(h.substr(100, 7), "0000644");
  EXPECT_EQ(h.substr(124, 11), "00000000005");
  EXPECT_EQ(h[156], '0');
  EXPECT_EQ(h.substr(257, 5), "ustar");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  EXPECT_EQ(std::stoul(h.substr(148, 6), nullptr, 8), sum);
}

TEST(tar_header, long_names_get_a_pax_record) {
  auto name = std::string(300, 'z');
  auto h = archive::tar_header(name, 1, 0);
  EXPECT_EQ(h[156], 'x');
  EXPECT_NE(h.find("path=" + name + "\n"), std::string::npos);
  EXPECT_EQ(h.size() % 512, 0u);
}

TEST(framing_bytes, bound_what_an_entry_adds_besides_its_bytes) {
  for (auto fmt : {archive_format::tar, archive_format::zip}) {
    for (size_t name_size : {3, 100, 101, 155, 300, 1000}) {
      for (uint64_t size : {0, 1, 511, 512, 513, 70000}) {
        auto w = archive::make_writer(fmt);
        std::string name(name_size, 'n');
        std::string data(size, 'd');
        w->begin_entry(name, size, 0);
        w->write(data.data(), data.size());
        w->end_entry();
        auto added = w->take().size() - size;
        auto bound = archive::framing_bytes(name_size, size);
        EXPECT_LE(added, bound)
            << extension(fmt) << " " << name_size << " " << size;
        if (fmt == archive_format::tar && name_size <= 100) {
          EXPECT_EQ(added, bound) << "one header and the padding";
        }
      }
    }
  }
}

TEST(mime, normalizes_like_aistore) {
  EXPECT_EQ(*normalize_mime(""), archive_format::tar);
  EXPECT_EQ(*normalize_mime("application/x-tar"), archive_format::tar);
  EXPECT_EQ(*normalize_mime("tar"), archive_format::tar);
  EXPECT_EQ(*normalize_mime(".tgz"), archive_format::tgz);
  EXPECT_EQ(*normalize_mime("tar.gz"), archive_format::tar_gz);
  EXPECT_EQ(*normalize_mime("x.tar.lz4"), archive_format::tar_lz4);
  EXPECT_EQ(*normalize_mime("zip"), archive_format::zip);
  EXPECT_FALSE(normalize_mime("rar"));
  EXPECT_FALSE(normalize_mime("TAR")); // case-sensitive, as in AIStore
}

} // namespace
} // namespace moss

#include "http/rebalance.hpp"

#include "core/hrw.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/names.hpp"
#include "http/access.hpp"
#include "http/client.hpp"
#include "http/common_routes.hpp"

namespace moss::http {

namespace {

constexpr size_t list_page = 1000;

} // namespace

rebalancer::rebalancer(object_store* store, const cluster_view* view,
                       std::string self_id, std::string join_token)
    : store_(store), view_(view), self_id_(std::move(self_id)),
      join_token_(std::move(join_token)) {
  // nop
}

rebalancer::~rebalancer() {
  stop_ = true;
  wait();
}

bool rebalancer::start() {
  std::lock_guard guard{mtx_};
  if (progress_.running)
    return false;
  if (worker_.joinable())
    worker_.join();
  auto passes = progress_.passes + 1;
  progress_ = {};
  progress_.running = true;
  progress_.passes = passes;
  worker_ = std::thread{[this] {
    run();
  }};
  return true;
}

rebalance_progress rebalancer::progress() const {
  std::lock_guard guard{mtx_};
  return progress_;
}

void rebalancer::wait() {
  std::thread done;
  {
    std::lock_guard guard{mtx_};
    done = std::move(worker_);
  }
  if (done.joinable())
    done.join();
}

void rebalancer::move_one(const cluster_map& map, const std::string& bucket,
                          const std::string& name) {
  auto* owner = map.owner(object_uname("ais", bucket, name));
  {
    std::lock_guard guard{mtx_};
    ++progress_.scanned;
  }
  if (owner == nullptr || owner->id == self_id_)
    return;
  expected<client_response> r{make_error(ec::internal, "not sent")};
  uint64_t size = 0;
  {
    auto obj = store_->open(bucket, name);
    if (!obj)
      return; // deleted meanwhile
    size = obj->meta().size;
    auto path = object_path(bucket, name);
    auto headers = node_auth_headers(join_token_, "PUT", path);
    headers.push_back({"If-None-Match", "*"});
    r = session_.request("PUT", owner->http_url + path + "?provider=ais",
                         body_source::of_file(obj->fd(), size), headers);
  } // closed before it is removed
  std::lock_guard guard{mtx_};
  if (r && (r->status == 200 || r->status == 412)) {
    if (auto gone = store_->remove(bucket, name); !gone) {
      ++progress_.failed;
      progress_.last_error = gone.error().message;
      return;
    }
    if (r->status == 200) {
      ++progress_.moved;
      progress_.moved_bytes += size;
    } else {
      ++progress_.superseded;
    }
    return;
  }
  ++progress_.failed;
  progress_.last_error
      = "cannot move " + display_name(bucket, name) + " to " + owner->id + ": "
        + (r ? "status " + std::to_string(r->status) : r.error().message);
  log::warn(progress_.last_error);
}

void rebalancer::run() {
  auto map = view_->current();
  {
    std::lock_guard guard{mtx_};
    progress_.map_version = map->version;
    progress_.while_leaving = map->is_leaving(self_id_);
  }
  log::info("rebalance: moving objects to their owners under map v",
            map->version);
  for (auto& bucket : map->buckets) {
    std::string after;
    // Each page starts after the last name seen, so removing what moved
    // does not disturb the walk; the bound only guards against a bug.
    for (size_t pages = 0; pages < (1u << 30) && !stop_; ++pages) {
      auto page = store_->list(bucket, "", after, list_page);
      if (!page || page->empty())
        break;
      for (auto& e : *page) {
        if (stop_)
          break;
        move_one(*map, bucket, e.name);
      }
      after = page->back().name;
    }
  }
  std::lock_guard guard{mtx_};
  progress_.running = false;
  log::info("rebalance done: ", progress_.scanned, " scanned, ",
            progress_.moved, " moved, ", progress_.superseded, " superseded, ",
            progress_.failed, " failed");
}

std::string rebalance_json(const rebalance_progress& p) {
  auto u = [](uint64_t x) {
    return static_cast<int64_t>(x);
  };
  json_writer w;
  w.begin_object();
  w.key("running").boolean(p.running);
  w.key("passes").integer(u(p.passes));
  w.key("map_version").integer(p.map_version);
  w.key("while_leaving").boolean(p.while_leaving);
  w.key("scanned").integer(u(p.scanned));
  w.key("moved").integer(u(p.moved));
  w.key("moved_bytes").integer(u(p.moved_bytes));
  w.key("superseded").integer(u(p.superseded));
  w.key("failed").integer(u(p.failed));
  if (!p.last_error.empty())
    w.key("last_error").string(p.last_error);
  w.end_object();
  return w.str();
}

} // namespace moss::http

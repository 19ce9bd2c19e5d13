#include "gateway/metrics.h"

namespace liquida::gateway {

std::string Metrics::render(size_t connections, size_t subscriptions, uint64_t drops, uint64_t refused) const {
    std::string out;
    auto metric = [&](const char* name, const char* type, const char* help, const std::string& value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + value + "\n";
    };
    metric("liquida_events_appended_total", "counter", "Events appended to the log by this gateway.",
           std::to_string(events_appended.load()));
    metric("liquida_commands_accepted_total", "counter", "Commands decided and appended.", std::to_string(commands_accepted.load()));
    metric("liquida_view_lag_events", "gauge", "Log end offsets minus the views' applied offsets.", std::to_string(view_lag.load()));
    metric("liquida_view_events_applied_total", "counter", "Events applied to the views.", std::to_string(view_events_applied.load()));
    metric("liquida_view_step_failures_total", "counter", "Projection steps that failed and were retried with backoff.",
           std::to_string(view_step_failures.load()));
    metric("liquida_connections", "gauge", "Open HTTP and websocket connections.", std::to_string(connections));
    metric("liquida_subscriptions", "gauge", "Live view subscriptions.", std::to_string(subscriptions));
    metric("liquida_send_queue_drops_total", "counter", "Websocket clients closed for falling behind.", std::to_string(drops));
    metric("liquida_connections_refused_total", "counter",
           "Connections closed at accept: over a connection limit, or out of file descriptors.", std::to_string(refused));
    std::lock_guard lk(mu_);
    out += "# HELP liquida_commands_rejected_total Commands rejected, by error code.\n# TYPE liquida_commands_rejected_total counter\n";
    for (const auto& [code, n] : rejected_) out += "liquida_commands_rejected_total{code=\"" + code + "\"} " + std::to_string(n) + "\n";
    out += "# HELP liquida_request_duration_seconds HTTP request latency.\n# TYPE liquida_request_duration_seconds histogram\n";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", kBuckets[i]);
        out += std::string("liquida_request_duration_seconds_bucket{le=\"") + le + "\"} " + std::to_string(buckets_[i]) + "\n";
    }
    out += "liquida_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += "liquida_request_duration_seconds_sum " + std::to_string(sum_) + "\n";
    out += "liquida_request_duration_seconds_count " + std::to_string(count_) + "\n";
    return out;
}

}  // namespace liquida::gateway

"""The C++ sources of benchmarks/scenario_cpp.py's project (tickbook), as they stand at HEAD; scenario_cpp.py derives
the earlier commits' versions from them."""

PRICE_HPP = r'''#pragma once
// Prices are integer ticks of 0.01: "101.25" is 10125. Floats never touch a price.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickbook {

using Price = std::int64_t;
using Qty = std::int64_t;

// "101", "101.2", "101.25" or "-0.50"; nullopt for anything else (three decimals, "1,5", "12.3.4").
std::optional<Price> parse_price(std::string_view s);

// 10125 -> "101.25", -5 -> "-0.05".
std::string format_price(Price p);

// num / den rounded half away from zero; den must not be zero.
std::int64_t round_div(std::int64_t num, std::int64_t den);

}  // namespace tickbook
'''

PRICE_CPP = r'''#include "price.hpp"

namespace tickbook {

std::optional<Price> parse_price(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    bool neg = false;
    if (!s.empty() && s.front() == '-') {
        neg = true;
        s.remove_prefix(1);
    }
    if (s.empty() || s.front() == '.' || s.back() == '.') return std::nullopt;
    Price whole = 0;
    Price frac = 0;
    int frac_digits = -1;
    for (char c : s) {
        if (c == '.') {
            if (frac_digits >= 0) return std::nullopt;
            frac_digits = 0;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        if (frac_digits < 0) {
            if (whole > 1000000000000LL) return std::nullopt;
            whole = whole * 10 + (c - '0');
        } else {
            if (++frac_digits > 2) return std::nullopt;
            frac = frac * 10 + (c - '0');
        }
    }
    if (frac_digits == 1) frac *= 10;
    const Price v = whole * 100 + frac;
    return neg ? -v : v;
}

std::string format_price(Price p) {
    const bool neg = p < 0;
    const std::uint64_t a = neg ? static_cast<std::uint64_t>(-(p + 1)) + 1 : static_cast<std::uint64_t>(p);
    std::string cents = std::to_string(a % 100);
    if (cents.size() < 2) cents.insert(cents.begin(), '0');
    return (neg ? "-" : "") + std::to_string(a / 100) + "." + cents;
}

std::int64_t round_div(std::int64_t num, std::int64_t den) {
    std::int64_t q = num / den;
    const std::int64_t r = num % den;
    if (2 * (r < 0 ? -r : r) >= (den < 0 ? -den : den)) q += ((num < 0) == (den < 0)) ? 1 : -1;
    return q;
}

}  // namespace tickbook
'''

ORDER_HPP = r'''#pragma once
// One message per line of a session file:
//   <timestamp>,NEW,<id>,<symbol>,BUY|SELL,<qty>,<price>,<trader>
//   <timestamp>,CANCEL,<id>,<symbol>
// Blank lines and '#' comments are skipped by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "price.hpp"

namespace tickbook {

enum class Side { Buy, Sell };
using OrderId = std::uint64_t;

struct Order {
    Price price = 0;
    Qty qty = 0;
    OrderId id = 0;
    Qty remaining = 0;
    Side side = Side::Buy;
    std::string trader;
    std::string at;
};

struct NewOrder {
    std::string at;
    std::string symbol;
    Order order;
};

struct Cancel {
    std::string at;
    std::string symbol;
    OrderId id = 0;
};

using Message = std::variant<NewOrder, Cancel>;

struct ParseError {
    int line = 0;
    std::string what;
};

struct Parsed {
    std::optional<Message> msg;
    std::optional<ParseError> error;
};

// 2026-12-01T09:30:00.125Z, the only form the gateways write.
bool is_timestamp(std::string_view s);

Parsed parse_line(int line, std::string_view text);

const char* side_name(Side s);

}  // namespace tickbook
'''

ORDER_CPP = r'''#include "order.hpp"

#include <cctype>
#include <vector>

namespace tickbook {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = text.find(sep, start);
        std::string_view field = text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
        while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
        while (!field.empty() && (field.back() == ' ' || field.back() == '\r')) field.remove_suffix(1);
        out.push_back(field);
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

bool parse_uint(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = v;
    return true;
}

ParseError error(int line, std::string what) { return ParseError{line, std::move(what)}; }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

bool is_timestamp(std::string_view s) {
    if (s.size() != 24) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        switch (i) {
            case 4: case 7: if (c != '-') return false; break;
            case 10: if (c != 'T') return false; break;
            case 13: case 16: if (c != ':') return false; break;
            case 19: if (c != '.') return false; break;
            case 23: if (c != 'Z') return false; break;
            default: if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        }
    }
    return true;
}

const char* side_name(Side s) { return s == Side::Buy ? "BUY" : "SELL"; }

Parsed parse_line(int line, std::string_view text) {
    const std::vector<std::string_view> f = split(text, ',');
    if (f.size() < 4) return {std::nullopt, error(line, "expected at least 4 fields, got " + std::to_string(f.size()))};
    if (!is_timestamp(f[0])) return {std::nullopt, error(line, "bad timestamp " + quoted(f[0]))};
    std::uint64_t id = 0;
    if (!parse_uint(f[2], id) || id == 0) return {std::nullopt, error(line, "bad order id " + quoted(f[2]))};
    if (f[3].empty()) return {std::nullopt, error(line, "empty symbol")};
    if (f[1] == "CANCEL") {
        if (f.size() != 4) return {std::nullopt, error(line, "CANCEL takes 4 fields, got " + std::to_string(f.size()))};
        return {Cancel{std::string(f[0]), std::string(f[3]), id}, std::nullopt};
    }
    if (f[1] != "NEW") return {std::nullopt, error(line, "unknown message type " + quoted(f[1]))};
    if (f.size() != 8) return {std::nullopt, error(line, "NEW takes 8 fields, got " + std::to_string(f.size()))};
    Order o;
    o.id = id;
    if (f[4] == "BUY") {
        o.side = Side::Buy;
    } else if (f[4] == "SELL") {
        o.side = Side::Sell;
    } else {
        return {std::nullopt, error(line, "bad side " + quoted(f[4]))};
    }
    std::uint64_t qty = 0;
    if (!parse_uint(f[5], qty) || qty == 0 || qty > 1000000) return {std::nullopt, error(line, "bad quantity " + quoted(f[5]))};
    o.qty = static_cast<Qty>(qty);
    o.remaining = o.qty;
    const std::optional<Price> px = parse_price(f[6]);
    if (!px || *px <= 0) return {std::nullopt, error(line, "bad price " + quoted(f[6]))};
    o.price = *px;
    o.trader = std::string(f[7]);
    o.at = std::string(f[0]);
    return {NewOrder{std::string(f[0]), std::string(f[3]), std::move(o)}, std::nullopt};
}

}  // namespace tickbook
'''

BOOK_HPP = r'''#pragma once
// A limit order book for one symbol: price-time priority, full and partial fills, cancels by id.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "order.hpp"

namespace tickbook {

struct Fill {
    OrderId taker = 0;
    OrderId maker = 0;
    Price price = 0;
    Qty qty = 0;
    Qty maker_left = 0;  // what the resting order still shows after this fill
};

struct Level {
    std::vector<Order> orders;  // oldest first
    Qty total = 0;
};

using AskLevels = std::map<Price, Level>;
using BidLevels = std::map<Price, Level, std::greater<Price>>;
using OrderIndex = std::unordered_map<OrderId, std::pair<Side, Price>>;

class Book {
public:
    explicit Book(std::string symbol);

    const std::string& symbol() const { return symbol_; }

    // Matches `order` against the other side, rests what is left; returns the fills in order.
    std::vector<Fill> submit(Order order);

    // Removes a resting order; false when no order of that id rests here.
    bool cancel(OrderId id);

    std::optional<Price> best_bid() const;
    std::optional<Price> best_ask() const;
    bool locked_or_crossed() const;

    // Quantity resting at one price on one side.
    Qty depth(Side side, Price price) const;
    std::size_t levels(Side side) const;
    std::size_t resting() const { return index_.size(); }

private:
    std::string symbol_;
    BidLevels bids_;
    AskLevels asks_;
    OrderIndex index_;
};

}  // namespace tickbook
'''

BOOK_CPP = r'''#include "book.hpp"

#include <algorithm>

namespace tickbook {

namespace {

// Trades `taker` against the best levels of `opp` while they cross its limit.
template <class Levels>
void match_against(Levels& opp, Order& taker, std::vector<Fill>& fills, OrderIndex& index) {
    while (taker.remaining > 0 && !opp.empty()) {
        auto it = opp.begin();
        if (!opp.key_comp()(it->first, taker.price)) break;  // trade while the level is better than the limit
        const Price px = it->first;
        Level& level = it->second;
        Order& resting = level.orders.front();
        const Qty qty = std::min(taker.remaining, resting.remaining);
        taker.remaining -= qty;
        resting.remaining -= qty;
        level.total -= qty;
        if (resting.remaining == 0) {
            index.erase(resting.id);
            if (level.orders.size() == 1) {
                opp.erase(it);  // the level's last order: drop the level
            } else {
                level.orders.erase(level.orders.begin());
            }
        }
        fills.push_back(Fill{taker.id, resting.id, px, qty, resting.remaining});
    }
}

template <class Levels>
void rest(Levels& levels, Order&& order) {
    Level& level = levels[order.price];
    level.total += order.remaining;
    level.orders.push_back(std::move(order));
}

template <class Levels>
bool remove_from(Levels& levels, Price price, OrderId id) {
    auto it = levels.find(price);
    if (it == levels.end()) return false;
    auto& orders = it->second.orders;
    auto pos = std::find_if(orders.begin(), orders.end(), [id](const Order& o) { return o.id == id; });
    if (pos == orders.end()) return false;
    it->second.total -= pos->remaining;
    orders.erase(pos);
    if (orders.empty()) levels.erase(it);
    return true;
}

template <class Levels>
Qty depth_of(const Levels& levels, Price price) {
    auto it = levels.find(price);
    if (it == levels.end()) return 0;
    Qty sum = 0;
    for (int i = 0; i < it->second.orders.size(); ++i) sum += it->second.orders[i].remaining;
    return sum;
}

}  // namespace

Book::Book(std::string symbol) : symbol_(std::move(symbol)) {}

std::vector<Fill> Book::submit(Order order) {
    std::vector<Fill> fills;
    order.remaining = order.qty;
    if (order.side == Side::Buy) {
        match_against(asks_, order, fills, index_);
    } else {
        match_against(bids_, order, fills, index_);
    }
    if (order.remaining > 0) {
        index_[order.id] = {order.side, order.price};
        if (order.side == Side::Buy) {
            rest(bids_, std::move(order));
        } else {
            rest(asks_, std::move(order));
        }
    }
    return fills;
}

bool Book::cancel(OrderId id) {
    auto it = index_.find(id);
    if (it == index_.end()) return false;
    const Side side = it->second.first;
    const Price price = it->second.second;
    index_.erase(it);
    return side == Side::Buy ? remove_from(bids_, price, id) : remove_from(asks_, price, id);
}

std::optional<Price> Book::best_bid() const {
    if (bids_.empty()) return std::nullopt;
    return bids_.begin()->first;
}

std::optional<Price> Book::best_ask() const {
    if (asks_.empty()) return std::nullopt;
    return asks_.begin()->first;
}

bool Book::locked_or_crossed() const {
    const auto b = best_bid();
    const auto a = best_ask();
    return b && a && *b >= *a;
}

Qty Book::depth(Side side, Price price) const {
    return side == Side::Buy ? depth_of(bids_, price) : depth_of(asks_, price);
}

std::size_t Book::levels(Side side) const { return side == Side::Buy ? bids_.size() : asks_.size(); }

}  // namespace tickbook
'''

LOG_HPP = r'''#pragma once
// The replay log: "<timestamp> <LEVEL> <message>", one line per event, timestamps from the session data.

#include <cstdint>
#include <ostream>
#include <string>

namespace tickbook {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

class Logger {
public:
    Logger(std::ostream& out, LogLevel min);

    void debug(const std::string& at, const std::string& msg) { write(LogLevel::Debug, at, msg); }
    void info(const std::string& at, const std::string& msg) { write(LogLevel::Info, at, msg); }
    void warn(const std::string& at, const std::string& msg) { write(LogLevel::Warn, at, msg); }
    void error(const std::string& at, const std::string& msg) { write(LogLevel::Error, at, msg); }

    std::int64_t count(LogLevel level) const { return counts_[static_cast<int>(level)]; }

private:
    void write(LogLevel level, const std::string& at, const std::string& msg);

    LogLevel min_;
    std::ostream* out_;
    std::int64_t counts_[4] = {0, 0, 0, 0};
};

const char* level_name(LogLevel level);

}  // namespace tickbook
'''

LOG_CPP = r'''#include "log.hpp"

namespace tickbook {

Logger::Logger(std::ostream& out, LogLevel min) : out_(&out), min_(min) {}

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::Debug: return "DEBUG";
        case LogLevel::Info: return "INFO ";
        case LogLevel::Warn: return "WARN ";
        case LogLevel::Error: return "ERROR";
    }
    return "?????";
}

void Logger::write(LogLevel level, const std::string& at, const std::string& msg) {
    ++counts_[static_cast<int>(level)];
    if (level < min_) return;
    *out_ << (at.empty() ? std::string(24, '-') : at) << ' ' << level_name(level) << " tickbook: " << msg << '\n';
}

}  // namespace tickbook
'''

EXCHANGE_HPP = r'''#pragma once
// The exchange: one book per listed symbol, per-symbol statistics, the 10 % price band around the reference.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "book.hpp"
#include "log.hpp"
#include "order.hpp"

namespace tickbook {

struct Instrument {
    std::string symbol;
    std::string description;
    Price ref = 0;
};

struct Stats {
    std::int64_t orders = 0;
    std::int64_t trades = 0;
    std::int64_t rejected = 0;
    std::int64_t cancels = 0;
    std::int64_t locked_events = 0;
    Qty volume = 0;
    std::int64_t notional = 0;  // sum of price * qty, in ticks
    Price last = 0;
    Price high = 0;
    Price low = 0;
};

class Exchange {
public:
    Exchange(std::vector<Instrument> instruments, Logger& log);

    void apply(const std::string& session, const Message& msg);

    Book* find_book(const std::string& symbol);
    const std::vector<Instrument>& instruments() const { return instruments_; }
    const Book& book(std::size_t i) const { return *books_[i]; }
    const Stats& stats(std::size_t i) const { return stats_[i]; }
    std::int64_t fills() const { return fills_; }

private:
    void on_fill(const Fill& f, const std::string& session, Stats& st);

    std::vector<Instrument> instruments_;
    std::vector<Book*> books_;
    std::vector<Stats> stats_;
    std::map<std::string, std::size_t> by_symbol_;
    Logger& log_;
    std::int64_t fills_ = 0;
};

// symbols.tsv: a header line, then symbol<TAB>description<TAB>reference price. Empty on error (see *error).
std::vector<Instrument> load_instruments(const std::string& path, std::string* error);

}  // namespace tickbook
'''

EXCHANGE_CPP = r'''#include "exchange.hpp"

#include <fstream>
#include <sstream>
#include <variant>

namespace tickbook {

Exchange::Exchange(std::vector<Instrument> instruments, Logger& log)
    : instruments_(std::move(instruments)), log_(log) {
    for (std::size_t i = 0; i < instruments_.size(); ++i) {
        books_.push_back(new Book(instruments_[i].symbol));
        by_symbol_[instruments_[i].symbol] = i;
    }
    stats_.resize(instruments_.size());
}

Book* Exchange::find_book(const std::string& symbol) {
    auto it = by_symbol_.find(symbol);
    return it == by_symbol_.end() ? nullptr : books_[it->second];
}

void Exchange::on_fill(const Fill& f, const std::string& session, Stats& st) {
    ++fills_;
    ++st.trades;
    st.volume += f.qty;
    st.notional += f.price * f.qty;
    st.last = f.price;
    if (st.trades == 1 || f.price > st.high) st.high = f.price;
    if (st.trades == 1 || f.price < st.low) st.low = f.price;
}

void Exchange::apply(const std::string& session, const Message& msg) {
    if (const auto* c = std::get_if<Cancel>(&msg)) {
        Book* book = find_book(c->symbol);
        if (!book->cancel(c->id)) {
            log_.warn(c->at, session + ": cancel of unknown order " + std::to_string(c->id) + " on " + c->symbol);
            return;
        }
        ++stats_[by_symbol_.at(c->symbol)].cancels;
        return;
    }
    const auto& n = std::get<NewOrder>(msg);
    const std::string id = std::to_string(n.order.id);
    Book* book = find_book(n.symbol);
    if (book == nullptr) {
        log_.warn(n.at, session + ": order " + id + " for unknown symbol " + n.symbol + ", rejected");
        return;
    }
    const std::size_t i = by_symbol_.at(n.symbol);
    Stats& st = stats_[i];
    ++st.orders;
    const Price ref = instruments_[i].ref;
    const Price off = n.order.price > ref ? n.order.price - ref : ref - n.order.price;
    if (off * 10 > ref) {
        ++st.rejected;
        log_.warn(n.at, session + ": order " + id + " " + n.symbol + " " + side_name(n.order.side) + " at " +
                            format_price(n.order.price) + " is outside the 10% band around " + format_price(ref) +
                            ", rejected");
        return;
    }
    for (const Fill& f : book->submit(n.order)) on_fill(f, session, st);
    if (book->locked_or_crossed()) {
        ++st.locked_events;
        log_.error(n.at, "book " + n.symbol + " locked after order " + id + ": bid " +
                             format_price(*book->best_bid()) + " >= ask " + format_price(*book->best_ask()));
    }
}

std::vector<Instrument> load_instruments(const std::string& path, std::string* error) {
    std::ifstream in(path);
    if (!in) {
        *error = "cannot open " + path;
        return {};
    }
    std::vector<Instrument> out;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (++n == 1 || line.empty()) continue;
        std::istringstream fields(line);
        Instrument inst;
        std::string ref;
        if (!std::getline(fields, inst.symbol, '\t') || !std::getline(fields, inst.description, '\t') ||
            !std::getline(fields, ref, '\t')) {
            *error = path + ":" + std::to_string(n) + ": expected 3 tab-separated fields";
            return {};
        }
        const std::optional<Price> px = parse_price(ref);
        if (!px || *px <= 0) {
            *error = path + ":" + std::to_string(n) + ": bad reference price \"" + ref + "\"";
            return {};
        }
        inst.ref = *px;
        out.push_back(std::move(inst));
    }
    return out;
}

}  // namespace tickbook
'''

REPORT_HPP = r'''#pragma once
// The end-of-run report as JSON: run totals, then one record per listed instrument, in listing order.

#include <cstdint>
#include <ostream>
#include <string>

#include "exchange.hpp"

namespace tickbook {

struct RunTotals {
    std::string generated_at;
    std::int64_t sessions = 0;
    std::int64_t messages = 0;
    std::int64_t parse_errors = 0;
    std::int64_t warnings = 0;
    std::int64_t errors = 0;
};

std::string json_escape(const std::string& s);

// "active", "locked" (the book ended with bid >= ask), "no trades", or "band breaches" (a fifth of the orders
// or more were outside the price band).
std::string status_of(const Stats& st, const Book& book);

void write_report(std::ostream& out, const Exchange& ex, const RunTotals& run);

}  // namespace tickbook
'''

REPORT_CPP = r'''#include "report.hpp"

#include <cstdio>

namespace tickbook {

namespace {

std::string price_or_null(bool has, Price p) { return has ? "\"" + format_price(p) + "\"" : "null"; }

}  // namespace

std::string json_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string status_of(const Stats& st, const Book& book) {
    if (book.locked_or_crossed()) return "locked";
    if (st.orders > 0 && st.rejected * 5 >= st.orders) return "band breaches";
    if (st.trades == 0) return "no trades";
    return "active";
}

void write_report(std::ostream& out, const Exchange& ex, const RunTotals& run) {
    std::int64_t locked = 0;
    for (std::size_t i = 0; i < ex.instruments().size(); ++i) locked += ex.stats(i).locked_events;
    out << "{\n";
    out << "  \"generated_at\": \"" << json_escape(run.generated_at) << "\",\n";
    out << "  \"sessions\": " << run.sessions << ",\n";
    out << "  \"messages\": " << run.messages << ",\n";
    out << "  \"parse_errors\": " << run.parse_errors << ",\n";
    out << "  \"fills\": " << ex.fills() << ",\n";
    out << "  \"locked_events\": " << locked << ",\n";
    out << "  \"log\": {\"warnings\": " << run.warnings << ", \"errors\": " << run.errors << "},\n";
    out << "  \"instruments\": [";
    const auto& list = ex.instruments();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Instrument& inst = list[i];
        const Stats& st = ex.stats(i);
        const Book& book = ex.book(i);
        const auto bid = book.best_bid();
        const auto ask = book.best_ask();
        out << (i ? "," : "") << "\n    {\"symbol\": \"" << json_escape(inst.symbol) << "\", \"description\": \""
            << json_escape(inst.description) << "\", \"reference\": \"" << format_price(inst.ref) << "\", "
            << "\"orders\": " << st.orders << ", \"trades\": " << st.trades << ", \"volume\": " << st.volume
            << ", \"vwap\": " << price_or_null(st.volume > 0, st.volume > 0 ? round_div(st.notional, st.volume) : 0)
            << ", \"last\": " << price_or_null(st.trades > 0, st.last)
            << ", \"high\": " << price_or_null(st.trades > 0, st.high)
            << ", \"low\": " << price_or_null(st.trades > 0, st.low)
            << ", \"best_bid\": " << price_or_null(bid.has_value(), bid.value_or(0))
            << ", \"best_ask\": " << price_or_null(ask.has_value(), ask.value_or(0))
            << ", \"resting\": " << book.resting() << ", \"rejected\": " << st.rejected
            << ", \"cancels\": " << st.cancels << ", \"locked_events\": " << st.locked_events
            << ", \"status\": \"" << status_of(st, book) << "\"}";
    }
    out << "\n  ]\n}\n";
}

}  // namespace tickbook
'''

MAIN_CPP = r'''// tickbook: replays exchange session files over the listed symbols, logs what went wrong, writes the report.
//
//   tickbook [--symbols data/symbols.tsv] [--report FILE] [--log FILE] [--generated-at TS] [-v] SESSION...
//
// Exit status: 0, 1 when anything was logged at ERROR, 2 on a usage or input error.

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "exchange.hpp"
#include "log.hpp"
#include "order.hpp"
#include "report.hpp"

namespace {

struct Options {
    std::string symbols = "data/symbols.tsv";
    std::string report;
    std::string log;
    std::string generated_at;
    bool verbose = false;
    std::vector<std::string> sessions;
};

int usage(const char* why) {
    std::cerr << "tickbook: " << why << "\n"
              << "usage: tickbook [--symbols FILE] [--report FILE] [--log FILE] [--generated-at TS] [-v] SESSION...\n";
    return 2;
}

std::string base_name(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct FileCounts {
    std::int64_t messages = 0;
    std::int64_t parse_errors = 0;
};

FileCounts run_file(const std::string& path, tickbook::Exchange& ex, tickbook::Logger& log) {
    FileCounts counts;
    std::ifstream in(path);
    const std::string name = base_name(path);
    if (!in) {
        log.error("", name + ": cannot open");
        ++counts.parse_errors;
        return counts;
    }
    std::string line;
    std::string last_at;
    int n = 0;
    const std::int64_t fills_before = ex.fills();
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        tickbook::Parsed p = tickbook::parse_line(n, line);
        if (p.error) {
            ++counts.parse_errors;
            log.error(last_at, name + " line " + std::to_string(p.error->line) + ": " + p.error->what);
            continue;
        }
        ++counts.messages;
        last_at = std::visit([](const auto& m) { return m.at; }, *p.msg);
        ex.apply(name, *p.msg);
    }
    log.info(last_at, name + ": " + std::to_string(counts.messages) + " messages, " +
                          std::to_string(ex.fills() - fills_before) + " fills, " +
                          std::to_string(counts.parse_errors) + " unreadable lines");
    return counts;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    int skipped = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= argc) return false;
            into = argv[++i];
            return true;
        };
        if (a == "--symbols") {
            if (!value(opt.symbols)) return usage("--symbols needs a file");
        } else if (a == "--report") {
            if (!value(opt.report)) return usage("--report needs a file");
        } else if (a == "--log") {
            if (!value(opt.log)) return usage("--log needs a file");
        } else if (a == "--generated-at") {
            if (!value(opt.generated_at)) return usage("--generated-at needs a timestamp");
        } else if (a == "-v") {
            opt.verbose = true;
        } else if (!a.empty() && a[0] == '-') {
            return usage(("unknown option " + a).c_str());
        } else {
            opt.sessions.push_back(a);
        }
    }
    if (opt.sessions.empty()) return usage("no session files");

    std::unique_ptr<std::ofstream> log_file;
    if (!opt.log.empty()) {
        log_file = std::make_unique<std::ofstream>(opt.log);
        if (!*log_file) return usage(("cannot write " + opt.log).c_str());
    }
    tickbook::Logger log(log_file ? *log_file : std::cerr, opt.verbose ? tickbook::LogLevel::Debug : tickbook::LogLevel::Info);

    std::string error;
    std::vector<tickbook::Instrument> instruments = tickbook::load_instruments(opt.symbols, &error);
    if (instruments.empty()) return usage(error.empty() ? "no instruments listed" : error.c_str());
    log.info("", "tickbook 0.6.0: " + std::to_string(instruments.size()) + " instruments, " +
                     std::to_string(opt.sessions.size()) + " session files");

    tickbook::Exchange ex(std::move(instruments), log);
    tickbook::RunTotals run;
    run.generated_at = opt.generated_at;
    for (const std::string& path : opt.sessions) {
        const FileCounts c = run_file(path, ex, log);
        ++run.sessions;
        run.messages += c.messages;
        run.parse_errors += c.parse_errors;
    }
    run.warnings = log.count(tickbook::LogLevel::Warn);
    run.errors = log.count(tickbook::LogLevel::Error);
    log.info("", "done: " + std::to_string(run.sessions) + " sessions, " + std::to_string(run.messages) +
                     " messages, " + std::to_string(ex.fills()) + " fills, " + std::to_string(run.warnings) +
                     " warnings, " + std::to_string(run.errors) + " errors");
    if (!opt.report.empty()) {
        std::ofstream out(opt.report);
        tickbook::write_report(out, ex, run);
        if (!out) return usage(("cannot write " + opt.report).c_str());
    }
    return run.errors > 0 ? 1 : 0;
}
'''

HARNESS_HPP = r'''#pragma once
// A tiny test runner: TEST(suite, name) registers a test, CHECK / CHECK_EQ record a failure and go on,
// REQUIRE stops the test. `tickbook_tests` runs them all, `tickbook_tests suite.name` one (ctest runs each).

#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace harness {

struct Test {
    std::string name;
    std::function<void()> body;
};

std::vector<Test>& registry();
void fail(const char* file, int line, const std::string& what);
struct Stop {};

struct Registrar {
    Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

template <class A, class B>
void check_eq(const A& a, const B& b, const char* ea, const char* eb, const char* file, int line) {
    if (a == b) return;
    std::ostringstream msg;
    msg << "CHECK_EQ(" << ea << ", " << eb << ") failed: " << a << " != " << b;
    fail(file, line, msg.str());
}

}  // namespace harness

#define HARNESS_CAT2(a, b) a##b
#define HARNESS_CAT(a, b) HARNESS_CAT2(a, b)
#define TEST(suite, name)                                                                          \
    static void suite##_##name();                                                                  \
    static harness::Registrar HARNESS_CAT(reg_, __LINE__)(#suite "." #name, &suite##_##name);      \
    static void suite##_##name()
#define CHECK(cond) \
    do { if (!(cond)) harness::fail(__FILE__, __LINE__, "CHECK(" #cond ") failed"); } while (0)
#define CHECK_EQ(a, b) harness::check_eq((a), (b), #a, #b, __FILE__, __LINE__)
#define REQUIRE(cond) \
    do { if (!(cond)) { harness::fail(__FILE__, __LINE__, "REQUIRE(" #cond ") failed"); throw harness::Stop{}; } } while (0)
'''

TEST_MAIN_CPP = r'''#include <cstring>
#include <iostream>

#include "harness.hpp"

namespace harness {

namespace {
int failures_in_test = 0;
}

std::vector<Test>& registry() {
    static std::vector<Test> tests;
    return tests;
}

void fail(const char* file, int line, const std::string& what) {
    ++failures_in_test;
    std::cout << "    " << file << ":" << line << ": " << what << "\n";
}

}  // namespace harness

int main(int argc, char** argv) {
    int failed = 0;
    int ran = 0;
    for (const harness::Test& t : harness::registry()) {
        if (argc > 1 && t.name != argv[1]) continue;
        ++ran;
        harness::failures_in_test = 0;
        std::cout << "[ RUN  ] " << t.name << "\n";
        try {
            t.body();
        } catch (const harness::Stop&) {
        } catch (const std::exception& e) {
            harness::fail("<exception>", 0, std::string("uncaught ") + e.what());
        }
        std::cout << (harness::failures_in_test ? "[ FAIL ] " : "[  OK  ] ") << t.name << "\n";
        if (harness::failures_in_test) ++failed;
    }
    if (ran == 0) {
        std::cout << "no test named " << (argc > 1 ? argv[1] : "") << "\n";
        return 2;
    }
    std::cout << ran << " tests, " << failed << " failed\n";
    return failed ? 1 : 0;
}
'''

TEST_PRICE_CPP = r'''#include "harness.hpp"
#include "price.hpp"

using namespace tickbook;

TEST(price, parses_whole_and_decimal_prices) {
    CHECK_EQ(parse_price("101").value_or(-1), 10100);
    CHECK_EQ(parse_price("101.2").value_or(-1), 10120);
    CHECK_EQ(parse_price(" 101.25 ").value_or(-1), 10125);
    CHECK_EQ(parse_price("-0.50").value_or(1), -50);
}

TEST(price, rejects_what_is_not_a_price) {
    CHECK(!parse_price(""));
    CHECK(!parse_price("-"));
    CHECK(!parse_price("1,5"));
    CHECK(!parse_price("12.3.4"));
    CHECK(!parse_price(".5"));
    CHECK(!parse_price("5."));
    CHECK(!parse_price("3.456"));
}

TEST(price, formats_with_two_decimals) {
    CHECK_EQ(format_price(10125), "101.25");
    CHECK_EQ(format_price(5), "0.05");
    CHECK_EQ(format_price(-5), "-0.05");
    CHECK_EQ(format_price(0), "0.00");
}

TEST(price, round_div_rounds_half_away_from_zero) {
    CHECK_EQ(round_div(1000, 3), 333);
    CHECK_EQ(round_div(1001, 2), 501);
    CHECK_EQ(round_div(-1001, 2), -501);
    CHECK_EQ(round_div(999, 1000), 1);
}

TEST(price, round_trips) {
    for (Price p : {1, 99, 100, 10125, 999999}) CHECK_EQ(parse_price(format_price(p)).value_or(-1), p);
}
'''

TEST_ORDER_CPP = r'''#include "harness.hpp"
#include "order.hpp"

using namespace tickbook;

namespace {
const char* kNew = "2026-12-01T09:30:00.125Z,NEW,4100001,CUM-H27,BUY,40,101.25,T0412";
}

TEST(order, parses_a_new_order) {
    Parsed p = parse_line(3, kNew);
    REQUIRE(p.msg && !p.error);
    const auto& n = std::get<NewOrder>(*p.msg);
    CHECK_EQ(n.symbol, "CUM-H27");
    CHECK_EQ(n.order.id, 4100001u);
    CHECK(n.order.side == Side::Buy);
    CHECK_EQ(n.order.qty, 40);
    CHECK_EQ(n.order.remaining, 40);
    CHECK_EQ(n.order.price, 10125);
    CHECK_EQ(n.order.trader, "T0412");
}

TEST(order, parses_a_cancel) {
    Parsed p = parse_line(4, "2026-12-01T09:30:01.000Z,CANCEL,4100001,CUM-H27");
    REQUIRE(p.msg);
    const auto& c = std::get<Cancel>(*p.msg);
    CHECK_EQ(c.id, 4100001u);
    CHECK_EQ(c.symbol, "CUM-H27");
}

TEST(order, timestamp_form) {
    CHECK(is_timestamp("2026-12-01T09:30:00.125Z"));
    CHECK(!is_timestamp("2026-12-01 09:30:00"));
    CHECK(!is_timestamp("01/12/2026 09:30"));
    CHECK(!is_timestamp("2026-12-01T09:30:00Z"));
}

TEST(order, rejects_a_bad_price) {
    Parsed p = parse_line(7, "2026-12-01T09:30:00.125Z,NEW,4100002,CUM-H27,SELL,10,101.2.5,T0001");
    REQUIRE(p.error);
    CHECK_EQ(p.error->line, 7);
    CHECK_EQ(p.error->what, "bad price \"101.2.5\"");
}

TEST(order, rejects_a_bad_side_and_quantity) {
    CHECK_EQ(parse_line(1, "2026-12-01T09:30:00.125Z,NEW,9,CUM-H27,BOTH,10,101.25,T1").error->what, "bad side \"BOTH\"");
    CHECK_EQ(parse_line(1, "2026-12-01T09:30:00.125Z,NEW,9,CUM-H27,BUY,0,101.25,T1").error->what, "bad quantity \"0\"");
    CHECK_EQ(parse_line(1, "2026-12-01T09:30:00.125Z,NEW,9,CUM-H27,BUY,4x,101.25,T1").error->what, "bad quantity \"4x\"");
}

TEST(order, rejects_a_short_line) {
    Parsed p = parse_line(2, "2026-12-01T09:30:00.125Z,NEW");
    REQUIRE(p.error);
    CHECK_EQ(p.error->what, "expected at least 4 fields, got 2");
}

TEST(order, rejects_an_unknown_type) {
    CHECK_EQ(parse_line(1, "2026-12-01T09:30:00.125Z,AMEND,9,CUM-H27").error->what, "unknown message type \"AMEND\"");
}

TEST(order, trims_spaces_and_carriage_returns) {
    Parsed p = parse_line(1, " 2026-12-01T09:30:00.125Z , NEW , 5 , CUM-H27 , SELL , 3 , 99.5 , T7\r");
    REQUIRE(p.msg);
    CHECK_EQ(std::get<NewOrder>(*p.msg).order.price, 9950);
    CHECK_EQ(std::get<NewOrder>(*p.msg).order.trader, "T7");
}
'''

TEST_BOOK_CPP = r'''#include "book.hpp"
#include "harness.hpp"

using namespace tickbook;

namespace {

Order order(OrderId id, Side side, Qty qty, Price price) {
    Order o;
    o.id = id;
    o.side = side;
    o.qty = qty;
    o.remaining = qty;
    o.price = price;
    o.trader = "T" + std::to_string(id);
    return o;
}

}  // namespace

TEST(book, an_empty_book_has_no_prices) {
    Book b("CUM-H27");
    CHECK(!b.best_bid());
    CHECK(!b.best_ask());
    CHECK(!b.locked_or_crossed());
}

TEST(book, orders_that_do_not_cross_rest) {
    Book b("CUM-H27");
    CHECK(b.submit(order(1, Side::Buy, 10, 10000)).empty());
    CHECK(b.submit(order(2, Side::Sell, 10, 10050)).empty());
    CHECK_EQ(b.best_bid().value_or(0), 10000);
    CHECK_EQ(b.best_ask().value_or(0), 10050);
    CHECK_EQ(b.resting(), 2u);
}

TEST(book, best_prices_are_the_highest_bid_and_lowest_ask) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Buy, 1, 9900));
    b.submit(order(2, Side::Buy, 1, 9950));
    b.submit(order(3, Side::Sell, 1, 10100));
    b.submit(order(4, Side::Sell, 1, 10050));
    CHECK_EQ(b.best_bid().value_or(0), 9950);
    CHECK_EQ(b.best_ask().value_or(0), 10050);
}

TEST(book, a_buy_through_the_ask_trades_at_the_ask) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 10, 10050));
    const auto fills = b.submit(order(2, Side::Buy, 4, 10100));
    REQUIRE(fills.size() == 1);
    CHECK_EQ(fills[0].price, 10050);
    CHECK_EQ(fills[0].qty, 4);
    CHECK_EQ(b.depth(Side::Sell, 10050), 6);
}

TEST(book, a_buy_at_the_ask_trades) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 10, 10050));
    const auto fills = b.submit(order(2, Side::Buy, 10, 10050));
    CHECK_EQ(fills.size(), 1u);
    CHECK(!b.locked_or_crossed());
    CHECK_EQ(b.resting(), 0u);
}

TEST(book, a_sell_at_the_bid_trades) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Buy, 5, 10000));
    const auto fills = b.submit(order(2, Side::Sell, 3, 10000));
    CHECK_EQ(fills.size(), 1u);
    CHECK_EQ(b.depth(Side::Buy, 10000), 2);
}

TEST(book, a_sweep_takes_levels_best_first) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 5, 10100));
    b.submit(order(2, Side::Sell, 5, 10050));
    b.submit(order(3, Side::Sell, 5, 10200));
    const auto fills = b.submit(order(4, Side::Buy, 12, 10150));
    REQUIRE(fills.size() == 2);
    CHECK_EQ(fills[0].price, 10050);
    CHECK_EQ(fills[1].price, 10100);
    CHECK_EQ(b.best_bid().value_or(0), 10150);
    CHECK_EQ(b.depth(Side::Buy, 10150), 2);
    CHECK_EQ(b.best_ask().value_or(0), 10200);
}

TEST(book, time_priority_within_a_level) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Buy, 5, 9900));
    b.submit(order(2, Side::Buy, 5, 9900));
    const auto fills = b.submit(order(3, Side::Sell, 7, 9850));
    REQUIRE(fills.size() == 2);
    CHECK_EQ(fills[0].maker, 1u);
    CHECK_EQ(fills[1].maker, 2u);
    CHECK_EQ(b.depth(Side::Buy, 9900), 3);
}

TEST(book, a_fill_shows_what_the_maker_has_left) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 8, 10000));
    auto fills = b.submit(order(2, Side::Buy, 3, 10010));
    REQUIRE(fills.size() == 1);
    CHECK_EQ(fills[0].maker_left, 5);
    fills = b.submit(order(3, Side::Buy, 5, 10010));
    REQUIRE(fills.size() == 1);
    CHECK_EQ(fills[0].maker, 1u);
    CHECK_EQ(fills[0].maker_left, 0);
}

TEST(book, partial_fill_rests_the_rest) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 3, 10000));
    const auto fills = b.submit(order(2, Side::Buy, 10, 10100));
    CHECK_EQ(fills.size(), 1u);
    CHECK_EQ(b.best_bid().value_or(0), 10100);
    CHECK_EQ(b.depth(Side::Buy, 10100), 7);
    CHECK(!b.best_ask());
}

TEST(book, cancel_removes_a_resting_order) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Buy, 5, 9900));
    b.submit(order(2, Side::Buy, 5, 9900));
    CHECK(b.cancel(1));
    CHECK_EQ(b.depth(Side::Buy, 9900), 5);
    CHECK(b.cancel(2));
    CHECK(!b.best_bid());
    CHECK_EQ(b.levels(Side::Buy), 0u);
}

TEST(book, cancel_of_an_unknown_or_filled_order_fails) {
    Book b("CUM-H27");
    CHECK(!b.cancel(42));
    b.submit(order(1, Side::Sell, 2, 10000));
    b.submit(order(2, Side::Buy, 2, 10020));
    CHECK(!b.cancel(1));
}

TEST(book, depth_counts_every_order_at_a_price) {
    Book b("CUM-H27");
    for (OrderId id = 1; id <= 4; ++id) b.submit(order(id, Side::Sell, 3, 10100));
    CHECK_EQ(b.depth(Side::Sell, 10100), 12);
    CHECK_EQ(b.depth(Side::Sell, 10150), 0);
    CHECK_EQ(b.levels(Side::Sell), 1u);
}

TEST(book, a_cleared_level_is_gone) {
    Book b("CUM-H27");
    b.submit(order(1, Side::Sell, 4, 10100));
    b.submit(order(2, Side::Sell, 4, 10200));
    b.submit(order(3, Side::Buy, 4, 10150));
    CHECK_EQ(b.levels(Side::Sell), 1u);
    CHECK_EQ(b.best_ask().value_or(0), 10200);
}
'''

TEST_EXCHANGE_CPP = r'''#include <sstream>

#include "exchange.hpp"
#include "harness.hpp"

using namespace tickbook;

namespace {

std::vector<Instrument> listing() {
    return {{"CUM-H27", "Copper, LME cash, March 2027", 10000}, {"ZNC-M27", "Zinc, June 2027", 5000}};
}

Message new_order(OrderId id, const std::string& sym, Side side, Qty qty, Price px) {
    Order o;
    o.id = id;
    o.side = side;
    o.qty = qty;
    o.remaining = qty;
    o.price = px;
    o.trader = "T1";
    return NewOrder{"2026-12-01T09:30:00.125Z", sym, o};
}

}  // namespace

TEST(exchange, finds_books_by_symbol) {
    std::ostringstream out;
    Logger log(out, LogLevel::Info);
    Exchange ex(listing(), log);
    REQUIRE(ex.find_book("CUM-H27") != nullptr);
    CHECK_EQ(ex.find_book("CUM-H27")->symbol(), "CUM-H27");
    CHECK(ex.find_book("NGX-F27") == nullptr);
}

TEST(exchange, counts_trades_and_volume) {
    std::ostringstream out;
    Logger log(out, LogLevel::Info);
    Exchange ex(listing(), log);
    ex.apply("s1", new_order(1, "CUM-H27", Side::Sell, 10, 10050));
    ex.apply("s1", new_order(2, "CUM-H27", Side::Buy, 4, 10100));
    CHECK_EQ(ex.stats(0).orders, 2);
    CHECK_EQ(ex.stats(0).trades, 1);
    CHECK_EQ(ex.stats(0).volume, 4);
    CHECK_EQ(ex.stats(0).last, 10050);
    CHECK_EQ(ex.fills(), 1);
}

TEST(exchange, rejects_orders_outside_the_band) {
    std::ostringstream out;
    Logger log(out, LogLevel::Info);
    Exchange ex(listing(), log);
    ex.apply("s1", new_order(1, "ZNC-M27", Side::Buy, 1, 5600));
    CHECK_EQ(ex.stats(1).rejected, 1);
    CHECK_EQ(ex.book(1).resting(), 0u);
    CHECK(out.str().find("outside the 10% band around 50.00") != std::string::npos);
}

TEST(exchange, warns_about_an_unknown_symbol) {
    std::ostringstream out;
    Logger log(out, LogLevel::Info);
    Exchange ex(listing(), log);
    ex.apply("s1", new_order(1, "NGX-F27", Side::Buy, 1, 5000));
    CHECK_EQ(log.count(LogLevel::Warn), 1);
    CHECK(out.str().find("unknown symbol NGX-F27") != std::string::npos);
}

TEST(exchange, counts_cancels) {
    std::ostringstream out;
    Logger log(out, LogLevel::Info);
    Exchange ex(listing(), log);
    ex.apply("s1", new_order(1, "CUM-H27", Side::Buy, 5, 9900));
    ex.apply("s1", Cancel{"2026-12-01T09:30:01.000Z", "CUM-H27", 1});
    ex.apply("s1", Cancel{"2026-12-01T09:30:02.000Z", "CUM-H27", 1});
    CHECK_EQ(ex.stats(0).cancels, 1);
    CHECK_EQ(log.count(LogLevel::Warn), 1);
}

TEST(exchange, loads_the_listing) {
    std::string error;
    const auto list = load_instruments("/nonexistent/symbols.tsv", &error);
    CHECK(list.empty());
    CHECK_EQ(error, "cannot open /nonexistent/symbols.tsv");
}
'''

TEST_REPORT_CPP = r'''#include <sstream>

#include "harness.hpp"
#include "report.hpp"

using namespace tickbook;

TEST(report, escapes_json_strings) {
    CHECK_EQ(json_escape("plain"), "plain");
    CHECK_EQ(json_escape("a \"b\" \\ c"), "a \\\"b\\\" \\\\ c");
    CHECK_EQ(json_escape("tab\there"), "tab\\there");
    CHECK_EQ(json_escape(std::string("\x01", 1)), "\\u0001");
}

TEST(report, status_of_an_idle_book) {
    Book b("CUM-H27");
    Stats st;
    CHECK_EQ(status_of(st, b), "no trades");
    st.orders = 10;
    st.rejected = 2;
    CHECK_EQ(status_of(st, b), "band breaches");
}

TEST(report, status_of_a_trading_book) {
    Book b("CUM-H27");
    Stats st;
    st.orders = 10;
    st.trades = 3;
    CHECK_EQ(status_of(st, b), "active");
}

TEST(report, writes_one_record_per_instrument) {
    std::ostringstream logs;
    Logger log(logs, LogLevel::Info);
    Exchange ex({{"CUM-H27", "Copper, March 2027", 10000}, {"ZNC-M27", "Zinc \"SHG\", June 2027", 5000}}, log);
    RunTotals run;
    run.generated_at = "2026-12-01T18:00:00Z";
    std::ostringstream out;
    write_report(out, ex, run);
    const std::string json = out.str();
    CHECK(json.find("\"symbol\": \"CUM-H27\"") != std::string::npos);
    CHECK(json.find("Zinc \\\"SHG\\\", June 2027") != std::string::npos);
    CHECK(json.find("\"vwap\": null") != std::string::npos);
    CHECK(json.find("\"generated_at\": \"2026-12-01T18:00:00Z\"") != std::string::npos);
}

TEST(report, vwap_is_rounded_to_the_tick) {
    std::ostringstream logs;
    Logger log(logs, LogLevel::Info);
    Exchange ex({{"CUM-H27", "Copper, March 2027", 10000}}, log);
    Order s;
    s.id = 1; s.side = Side::Sell; s.qty = 1; s.remaining = 1; s.price = 10001;
    ex.apply("s", NewOrder{"2026-12-01T09:30:00.125Z", "CUM-H27", s});
    s.id = 2; s.qty = 2; s.remaining = 2; s.price = 10002;
    ex.apply("s", NewOrder{"2026-12-01T09:30:00.125Z", "CUM-H27", s});
    Order b;
    b.id = 3; b.side = Side::Buy; b.qty = 3; b.remaining = 3; b.price = 10010;
    ex.apply("s", NewOrder{"2026-12-01T09:30:00.125Z", "CUM-H27", b});
    std::ostringstream out;
    write_report(out, ex, RunTotals{});
    CHECK(out.str().find("\"vwap\": \"100.02\"") != std::string::npos);
}
'''

BENCH_CPP = r'''// replay_bench: how many messages per second the book takes (an opt-in target: cmake --build build --target replay_bench).

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <random>

#include "book.hpp"

int main() {
    using namespace tickbook;
    std::mt19937_64 rng(7);
    Book book("BENCH");
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t fills = 0;
    std::map<Price, Qty> volume_at;
    for (OrderId id = 1; id <= 200000; ++id) {
        Order o;
        o.id = id;
        o.side = rng() % 2 ? Side::Buy : Side::Sell;
        o.qty = 1 + static_cast<Qty>(rng() % 50);
        o.price = 10000 + static_cast<Price>(rng() % 40) * 5 - 100;
        for (const Fill& f : book.submit(o)) {
            volume_at[f.price] += f.qty;
            ++fills;
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // the busiest prices first
    std::sort(volume_at.begin(), volume_at.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::cout << 200000 / secs << " msgs/s, " << fills << " fills\n";
}
'''

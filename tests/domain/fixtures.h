// Test fixtures for the domain: the seeds' configuration, a ledger that records what it
// decides, and a provider already in the padrón.
#pragma once

#include <string>
#include <vector>

#include "domain/decide.h"
#include "domain/queries.h"

namespace liquida::test {

using namespace liquida::domain;

// ops/config/liquida.json, parsed once (tests may read files; domain code may not).
const Config& seed_config();
std::string read_source_file(const std::string& relative);
// A generated part of a doc: the text of `relative` between the lines `begin` and `end` must
// be `expected` (checked with Catch2). Under LIQUIDA_WRITE_DOCS=1 a part that differs is
// rewritten instead, for review in the diff.
void check_generated(const std::string& relative, const std::string& begin, const std::string& end, const std::string& expected);
// The files of a source folder ("domain/authorization.cc", ...), sorted.
std::vector<std::string> source_files(const std::string& relative_dir);

// An instant at Argentina local time.
TimestampMs at(int32_t y, uint32_t m, uint32_t d, int hour = 12, int minute = 0);
inline const TimestampMs kInPadronAt = at(2025, 5, 2);

inline const std::string kCbu = "2850590940090418135201";
inline const std::string kCuit = "27-35215358-9";  // SanCor seed 001 §5
inline const ObraSocialId kSancor{"sancor"};
inline const ObraSocialId kInsssep{"insssep"};
inline const ObraSocialId kIoma{"ioma"};

// A provider ledger with its event log; run() records what a decision emits.
struct Ledger {
    ProviderLedger state;
    std::vector<RecordedEvent> log;
    const Config* config = &seed_config();

    Decision run(const Command& c, TimestampMs now);
    // Runs and requires success; returns the events.
    std::vector<Event> ok(const Command& c, TimestampMs now);
    // Runs and requires rejection; returns the error code. Checks nothing was recorded.
    std::string error(const Command& c, TimestampMs now);
};

// Registered (category `category`), adhered to the three insurers, five documents approved
// until 2030, enrolled at kInPadronAt (2 May 2025): the commands, and a ledger that ran them.
std::vector<Command> padron_commands(std::string category = "A");
Ledger provider_in_padron(std::string category = "A");

// For the seeds' own dates (2021): the provider enrolled and its documents approved on `since`.
void in_padron_since(Ledger& l, Date since);

LoadOrder complete_order(std::string id, ObraSocialId os, std::string practice, Date attention);
// Seed 002's InSSSeP budget: tooth 18 extraction and two composites, the affiliate as its ticket
// prints them.
SubmitBudget insssep_budget(uint64_t transaction);
// Seed 001's SanCor Original for June 2025: B 00017-<number>, with the attachments SanCor requires.
IssueInvoice sancor_invoice(std::string id, Centavos amount, uint32_t number = 4199);
std::vector<Attachment> attachments_for(const ObraSocialId& os);

}  // namespace liquida::test

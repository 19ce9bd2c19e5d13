// Opens a RocksDB with all its column families and hands them to `f` by name: for tests that
// alter a store behind its owner's back (closed by then), as a damaged disk or an older
// version would have left it.
#pragma once

#include <rocksdb/db.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace liquida::test {

using ColumnFamilies = std::map<std::string, rocksdb::ColumnFamilyHandle*>;

inline void alter_rocksdb(const std::string& path, const std::function<void(rocksdb::DB&, const ColumnFamilies&)>& f) {
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies({}, path, &names).ok()) throw std::runtime_error("no RocksDB at " + path);
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open({}, path, descriptors, &handles, &raw).ok()) throw std::runtime_error("cannot open " + path);
    std::unique_ptr<rocksdb::DB> db(raw);
    ColumnFamilies by_name;
    for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
    f(*db, by_name);
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
}

}  // namespace liquida::test

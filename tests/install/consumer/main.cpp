// SPDX-License-Identifier: MIT
// A third party's program: builds against an installed netcx only.
#include <netcx/bm/pool_cache.hpp>

#include <cstdio>

int main()
{
    netcx::bm::pool_config c;
    c.name = "third-party";
    c.buffer_count = 100;
    c.buffer_size = 2048;
    c.pages = netcx::bm::page_policy::small;
    auto p = netcx::bm::pool::create(c);
    if (!p) {
        std::fprintf(stderr, "pool: %s\n", p.err().message.c_str());
        return 1;
    }
    netcx::bm::pool_cache cache{**p};
    netcx::bm::buffer_index b[8];
    if (cache.alloc_bulk(b) != netcx::status::ok || cache.free_bulk(b) != netcx::status::ok)
        return 1;
    std::printf("installed netcx works: %u buffers of stride %u\n", (*p)->count(), (*p)->stride());
    return 0;
}

// SPDX-License-Identifier: MIT
// examples/seed_driver/seed_example.c is the documentation's example with its "..." placeholders
// filled in and its missing comma added, and no other change: every line of the example is there,
// in order, and lines were only inserted where the example had a placeholder.
#include "run_tool.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace netcx::test {
namespace {

std::string rstrip(std::string s)
{
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.pop_back();
    return s;
}

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t");
    return b == std::string::npos ? std::string{} : rstrip(s.substr(b));
}

/// The example's lines: the documentation's first C++ code block.
std::vector<std::string> seed_lines()
{
    const std::string doc = read_file(SEED_DOCUMENT);
    const std::string open = "```c++\n";
    const auto b = doc.find(open);
    EXPECT_NE(b, std::string::npos) << "no code block in " << SEED_DOCUMENT;
    if (b == std::string::npos)
        return {};
    const auto e = doc.find("```", b + open.size());
    std::vector<std::string> out;
    for (auto& l : lines(doc.substr(b + open.size(), e - b - open.size())))
        out.push_back(rstrip(l));
    return out;
}

/// The lines of seed_example.c between "clang-format off" and "on".
std::vector<std::string> example_lines()
{
    std::vector<std::string> out;
    bool in = false;
    for (auto& l : lines(read_file(SEED_EXAMPLE_SOURCE))) {
        if (l == "// clang-format off")
            in = true;
        else if (l == "// clang-format on")
            in = false;
        else if (in)
            out.push_back(rstrip(l));
    }
    return out;
}

TEST(SeedExampleSource, IsTheDocumentationsExampleFilledIn)
{
    const auto seed = seed_lines();
    const auto example = example_lines();
    ASSERT_GT(seed.size(), 50u);
    ASSERT_GT(example.size(), seed.size());

    std::size_t at = 0;
    bool may_insert = false;
    int placeholders = 0;
    int commas = 0;
    for (std::string s : seed) {
        if (trim(s) == "...") {
            may_insert = true;
            ++placeholders;
            continue;
        }
        if (trim(s) == "MAX_PACKET_SIZE + FRAME_CRC_SIZE + RSVD_BUF_SIZE") {
            s += ","; // the one fix: the comma the documentation forgot
            ++commas;
        }
        if (may_insert) {
            const std::size_t from = at;
            while (at < example.size() && example[at] != s)
                ++at;
            EXPECT_GT(at, from) << "the placeholder before \"" << s << "\" was not filled in";
            may_insert = false;
        }
        ASSERT_LT(at, example.size()) << "missing or moved: \"" << s << "\"";
        ASSERT_EQ(example[at], s) << "changed at line " << at + 1 << " of the example";
        ++at;
    }
    if (!may_insert) {
        EXPECT_EQ(at, example.size()) << "lines added after the example's end";
    }
    EXPECT_EQ(placeholders, 4);
    EXPECT_EQ(commas, 1);
    for (const auto& l : example)
        EXPECT_NE(trim(l), "...") << "a placeholder is left";
}

} // namespace
} // namespace netcx::test

#!/usr/bin/env python3
"""Checks that the documentation points at things that exist, so a fresh clone never meets a dead link.

- Every Markdown link in every Markdown file of the repository (README.md, docs/, the bundles' READMEs, ...)
  resolves inside the repository: the file or folder exists, and a #fragment names a heading of the target.
  Links to other sites (http:, https:, mailto:) are not followed.
- In every Markdown file, every inline-code path that starts at a top-level folder of the repository
  (`bundles/...`, `bench/...`, `plugins/...`) exists, unless it is a build output (`.../target/...`) or ignored
  by git: the tables in bench/README.md and scripts/fixtures/README.md name harnesses and generators by path.
- docs/architecture.md names only files that exist (`ModelManager.java`: some file of that name), and every
  bundle of the build (each bnd.bnd's Bundle-SymbolicName) is on it.

Standard library only. Run from anywhere: python3 scripts/check-docs.py   (the root pom runs it at validate)
"""
import pathlib
import re
import subprocess
import sys
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIPPED = {"target", "node_modules", ".git", ".gpu"}
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")
FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.(java|cpp|txt|proto|yaml|md|bnd|bndrun|xml|py|sh|cfg)$")


def files(pattern):
    """Tracked and new files (git's view when there is a repository, else the file system's)."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", pattern],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
        return [ROOT / name for name in listed if (ROOT / name).exists()]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob(pattern) if not SKIPPED.intersection(p.relative_to(ROOT).parts)]


def ignored_by_git(path):
    try:
        return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT).returncode == 0
    except OSError:
        return False


def prose_lines(text):
    """The lines outside fenced code blocks, with their numbers."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading.strip().lower())
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def anchors(markdown):
    found, counts = set(), {}
    for _, line in prose_lines(markdown.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = counts.get(base, 0)
            counts[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def check_links(markdown, problems):
    text = markdown.read_text(encoding="utf-8")
    for number, line in prose_lines(text):
        for target in LINK.findall(line) + IMAGE.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                if not target.startswith(("http:", "https:", "mailto:")):
                    problems.append(f"{markdown.relative_to(ROOT)}:{number}: unexpected link scheme: {target}")
                continue
            path_part, _, fragment = target.partition("#")
            resolved = markdown if not path_part else (markdown.parent / path_part).resolve()
            where = f"{markdown.relative_to(ROOT)}:{number}"
            if ROOT not in resolved.parents and resolved != ROOT:
                problems.append(f"{where}: link leaves the repository: {target}")
            elif not resolved.exists():
                problems.append(f"{where}: no such file: {target}")
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                problems.append(f"{where}: no heading #{fragment} in {resolved.relative_to(ROOT)}")


def check_code_paths(markdown, problems, top_level):
    for number, line in prose_lines(markdown.read_text(encoding="utf-8")):
        for code in INLINE_CODE.findall(line):
            candidate = code.strip().rstrip("/.,:")
            first = candidate.split("/", 1)[0]
            if ("/" not in candidate or first not in top_level or re.search(r"[\s*<>{}…|$]|\.\.\.", candidate)
                    or "/target/" in f"/{candidate}/"):
                continue
            path = ROOT / candidate
            if not path.exists() and not ignored_by_git(path):
                problems.append(f"{markdown.relative_to(ROOT)}:{number}: no such path: `{code}`")


def check_architecture(problems):
    page = ROOT / "docs" / "architecture.md"
    text = page.read_text(encoding="utf-8")
    known = {p.name for p in files("*") if p.is_file()}
    for number, line in prose_lines(text):
        for code in INLINE_CODE.findall(line):
            if FILE_NAME.match(code) and code not in known:
                problems.append(f"docs/architecture.md:{number}: names a file that does not exist: `{code}`")
    for bnd in files("*bnd.bnd"):
        match = re.search(r"^Bundle-SymbolicName:\s*(\S+)", bnd.read_text(encoding="utf-8"), re.M)
        if match and match.group(1) not in text:
            problems.append(f"docs/architecture.md: bundle {match.group(1)} ({bnd.parent.relative_to(ROOT)}) is"
                            " not on the map")


def main():
    problems = []
    markdown_files = [p for p in files("*.md") if not SKIPPED.intersection(p.relative_to(ROOT).parts)]
    top_level = {p.name for p in ROOT.iterdir() if p.name not in SKIPPED}
    for markdown in markdown_files:
        check_links(markdown, problems)
        check_code_paths(markdown, problems, top_level)
    check_architecture(problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(f"{len(problems)} documentation problem(s); see above")
    print(f"Documentation checked: {len(markdown_files)} Markdown files, every link and path resolves.")


if __name__ == "__main__":
    main()

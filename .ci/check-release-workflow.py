#!/usr/bin/env python3
"""Offline checks of the release workflow: it parses, every action is pinned (or carries a TODO(pin) on its line),
and every job sets its own permissions under an empty or read-only default.

Usage: check-release-workflow.py [workflow.yml]; exits 1 and names each problem when one is found.
The line-based checks run without PyYAML, so a machine without it still checks the pins and the permissions.
"""
import re
import sys

PINNED_REF = re.compile(r"^([0-9a-f]{40}|v\d+\.\d+\.\d+)$")
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?([^'\"\s#]+)")


def unpinned_actions(lines):
    problems = []
    for number, line in enumerate(lines, 1):
        match = USES.match(line)
        if not match:
            continue
        action = match.group(1)
        if action.startswith("./"):
            continue  # an action in this repository is pinned by the checkout itself
        if action.startswith("docker://"):
            pinned = "@sha256:" in action
        else:
            pinned = "@" in action and PINNED_REF.match(action.rsplit("@", 1)[1]) is not None
        if not pinned and "TODO(pin)" not in line:
            problems.append(f"line {number}: {action} is not pinned to a commit or an exact version (add a TODO(pin) "
                            f"on the line if it cannot be pinned yet)")
    return problems


def jobs_without_permissions(lines):
    """Jobs are the two-space keys under the top-level 'jobs:'; each must have a four-space 'permissions:'."""
    problems, jobs, current, in_jobs = [], {}, None, False
    for line in lines:
        if re.match(r"^\S", line):
            in_jobs = line.rstrip() == "jobs:"
            current = None
            continue
        if not in_jobs:
            continue
        job = re.match(r"^  ([A-Za-z0-9_-]+):\s*$", line)
        if job:
            current = job.group(1)
            jobs[current] = False
        elif current and re.match(r"^    permissions:", line):
            jobs[current] = True
    if not jobs:
        problems.append("no jobs found")
    problems += [f"job {name} does not set permissions" for name, has in jobs.items() if not has]
    return problems, set(jobs)


def top_level_permissions(lines):
    for line in lines:
        match = re.match(r"^permissions:\s*(.*?)\s*(#.*)?$", line)
        if match and match.group(1) in ("{}", "read-all"):
            return []
    # A block form is accepted only if every scope in it is read or none.
    block, seen = [], False
    for line in lines:
        if re.match(r"^permissions:\s*$", line):
            seen = True
            continue
        if seen:
            if re.match(r"^\S", line):
                break
            block.append(line.strip())
    if seen and all(re.match(r"^[a-z-]+:\s*(read|none)\s*(#.*)?$", b) for b in block if b and not b.startswith("#")):
        return []
    return ["the workflow's top-level permissions must be {} or read-only (each job asks for more)"]


def parse(text, job_names):
    try:
        import yaml
    except ImportError:
        print("   (no PyYAML: the workflow's YAML is checked line by line only)")
        return []
    try:
        workflow = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [f"does not parse: {error}"]
    problems = []
    jobs = workflow.get("jobs") or {}
    if set(jobs) != job_names:
        problems.append(f"jobs found by parsing {sorted(jobs)} differ from those found by lines {sorted(job_names)}")
    for name, job in jobs.items():
        if "permissions" not in job:
            problems.append(f"job {name} does not set permissions")
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else ".github/workflows/release.yml"
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    permission_problems, job_names = jobs_without_permissions(lines)
    problems = parse(text, job_names) + unpinned_actions(lines) + top_level_permissions(lines) + permission_problems
    for problem in dict.fromkeys(problems):
        print(f"{path}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

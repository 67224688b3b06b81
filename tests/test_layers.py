"""The layout's rules: imports only go downward, and docs/architecture.md's module map is the package.

widget/ holds the domain (rules and data services) and the app's wiring;
widget/web.py the HTTP plumbing the blueprints share; widget/embed, widget/auth
and widget/moderate the blueprints, each with its own helpers. A layer imports
only from the layers below it; each exception is listed with its reason.
"""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDGET = ROOT / "widget"
BLUEPRINTS = ("widget.embed", "widget.auth", "widget.moderate")
WEB = "widget.web"
WIRING = "widget"  # widget/__init__.py: create_app imports every layer to put the app together

# (importer, imported): why this import across the layers is right.
ALLOWED = {
    ("widget.cli", "widget.moderate.accounts"):
        "the command line creates moderators by the dashboard's own rules, reviving a removed account "
        "as the dashboard does (one rule, one place); cli.py is a front end like a blueprint, and only "
        "create_app imports it",
}
# Domain modules that read Flask's request: each answers HTTP itself.
READS_THE_REQUEST = {
    "widget.errors": "the database-down handlers answer the failed request (JSON or a page, with CORS)",
}


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(path): path for path in sorted(WIDGET.rglob("*.py"))}


def imports_of(name, path):
    """Every module `name` imports, anywhere in it, as absolute names; `from X import y` counts as
    X and X.y (y may be a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(imported, packages):
    return any(imported == package or imported.startswith(package + ".") for package in packages)


def blueprint_of(name):
    return next((package for package in BLUEPRINTS if within(name, [package])), None)


def allowed(importer, imported):
    return any(importer == name and within(imported, [module]) for name, module in ALLOWED)


def crossings():
    """(importer, imported) for every import that goes up or sideways, unless ALLOWED."""
    found = []
    for name, path in modules().items():
        if name == WIRING:
            continue
        own = blueprint_of(name)
        for imported in imports_of(name, path):
            if not imported.startswith("widget"):
                continue
            others = [package for package in BLUEPRINTS if package != own]
            upward = (
                within(imported, others)  # a domain module, web or a blueprint reaching into a blueprint
                or (own is None and name != WEB and within(imported, [WEB]))  # the domain reaching up to web
                or imported == "widget.cli"  # only create_app registers the commands
            )
            if upward and not allowed(name, imported):
                found.append((name, imported))
    return sorted(found)


def test_imports_only_go_downward():
    assert crossings() == []


def test_every_allowed_crossing_is_still_made():
    """An exception that the code no longer needs is taken off the list."""
    for importer, imported in ALLOWED:
        assert imported in imports_of(importer, modules()[importer]), (importer, imported)


def reads_the_request(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            if any(alias.name == "request" for alias in node.names):
                return True
        if isinstance(node, ast.Attribute) and node.attr == "request" and getattr(node.value, "id", "") == "flask":
            return True
    return False


def test_the_domain_never_reads_the_request():
    """Rules and data services (bans, limits, comments...) take what they need as arguments, so an
    edit, the CLI or the fast lane can call them; the request is read in web.py and the blueprints."""
    domain = {name: path for name, path in modules().items()
              if blueprint_of(name) is None and name not in (WIRING, WEB)}
    assert sorted(name for name, path in domain.items() if reads_the_request(path)) == sorted(READS_THE_REQUEST)


def test_the_rules_see_a_crossing():
    """The checker itself: an upward import in a domain module is found."""
    assert within("widget.embed.forms", BLUEPRINTS) and not within("widget.embedded", BLUEPRINTS)
    assert blueprint_of("widget.moderate.accounts") == "widget.moderate" and blueprint_of("widget.bans") is None


# --- the module map ------------------------------------------------------------------------------

MAP_ROW = re.compile(r"^\| `(widget/[\w/]+\.py)` \| (.+) \|$")


def module_map():
    """{path: job} from docs/architecture.md's "Module map" table."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("\n## Module map\n", 1)[1].split("\n## ", 1)[0]
    return dict(MAP_ROW.match(line).groups() for line in section.splitlines() if MAP_ROW.match(line))


def first_line(path):
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False).split("\n")[0]


def test_the_module_map_lists_exactly_the_modules():
    assert sorted(module_map()) == sorted(str(path.relative_to(ROOT)) for path in modules().values())


@pytest.mark.parametrize("path", sorted(modules().values()), ids=lambda path: str(path.relative_to(WIDGET)))
def test_each_module_says_its_job_in_one_line_and_the_map_says_the_same(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    assert docstring, f"{path.name} has no docstring"
    lines = docstring.split("\n")
    assert lines[0].endswith(".") and (len(lines) == 1 or not lines[1].strip()), \
        "the first line is the whole sentence of the module's job, then a blank line"
    assert module_map().get(str(path.relative_to(ROOT))) == lines[0].replace("|", "\\|")

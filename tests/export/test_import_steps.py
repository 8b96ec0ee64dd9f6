"""The steps a CRM admin takes to import each change-set format."""

from __future__ import annotations

from typer.testing import CliRunner

from solver.cli.main import app
from solver.export import FORMATS
from solver.export.import_steps import import_steps


def test_import_steps_for_every_format_name_its_columns():
    for name, fmt in FORMATS.items():
        text = import_steps(name)
        for column in fmt.table([], "B").columns:  # the header the file really has
            assert column in text, (name, column)
        assert "undo" in text
    assert "sf data update bulk --sobject Account --file FILE" in import_steps("salesforce")
    assert "Update existing companies" in import_steps("HubSpot")


def test_cli_help_import():
    result = CliRunner().invoke(app, ["export", "--help-import", "odoo"])
    assert result.exit_code == 0  # no --plan, --format or --out needed
    assert "Import records" in result.stdout and "user_id/.id" in result.stdout
    unknown = CliRunner().invoke(app, ["export", "--help-import", "sap"])
    assert unknown.exit_code == 2
    assert "formats: generic, salesforce" in " ".join(unknown.stderr.split())

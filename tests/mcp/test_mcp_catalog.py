"""The tool catalog against what it is built from, without a server: each tool's client method
exists and takes its path argument, and each input schema is valid JSON Schema."""

from __future__ import annotations

import inspect

from jsonschema import Draft202012Validator
from mcp_checks import TOOL_NAMES

from jupyter_artifacts.client import AsyncClient
from jupyter_artifacts.mcp_tools.catalog import TOOLS, catalog


def test_every_tool_is_a_client_method_taking_its_path_argument():
    tools = catalog().by_name
    assert TOOL_NAMES <= set(tools) == {spec.name for spec in TOOLS}
    for spec in TOOLS:
        params = inspect.signature(getattr(AsyncClient, spec.name)).parameters
        for arg, _ in spec.path_args:
            assert arg in params, (spec.name, arg)
        if spec.list_arg:
            assert spec.list_arg in params, spec.name


def test_input_schemas_are_json_schema_objects_refusing_unknown_arguments():
    for tool in catalog().tools:
        Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False
        assert tool.description.strip(), tool.name
        validator = Draft202012Validator(tool.input_schema)
        assert not validator.is_valid({"no_such_argument": 1})

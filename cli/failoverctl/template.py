"""Read ``template.yaml`` as the simulated AWS and the tests need it: functions, rules, table, substitutions.

The template is the single source: handler paths, environment variables, event patterns and the
table's key schema are read from it, so what is tested is what deploys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_CHECKOUT = Path(__file__).resolve().parents[2]
# a checkout has template.yaml at its root; an installed package carries a copy under failoverctl/project
ROOT = _CHECKOUT if (_CHECKOUT / "template.yaml").is_file() else Path(__file__).resolve().parent / "project"
TEMPLATE = ROOT / "template.yaml"
ACCOUNT = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation's short-form intrinsic functions as their long form."""


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return data


@dataclass
class Resolver:
    """Resolves the intrinsic functions the simulated AWS meets, against parameters and physical ids."""

    template: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attributes: dict[str, str] = field(default_factory=dict)  # "Logical.Attr" -> value
    region: str = "us-east-1"

    def parameter(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        spec = self.template.get("Parameters", {}).get(name, {})
        default = spec.get("Default", "")
        if spec.get("Type") == "CommaDelimitedList":
            return str(default).split(",") if default != "" else [""]
        return default

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if not (isinstance(v, dict) and v.get("Ref") == "AWS::NoValue")]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        key, arg = next(iter(value.items()))
        if key == "Ref":
            pseudo = {
                "AWS::Region": self.region,
                "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws",
                "AWS::StackName": "failover-drill",
                "AWS::NoValue": None,
            }
            if arg in pseudo:
                return pseudo[arg]
            if arg in self.template.get("Parameters", {}):
                return self.parameter(arg)
            return self.physical.get(arg, f"{arg}-sim")
        if key == "Fn::GetAtt":
            logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.attributes.get(f"{logical}.{attr}", f"arn:aws:sim:{self.region}:{ACCOUNT}:{logical}")
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
            out = text
            import re

            for name in re.findall(r"\$\{([^}!]+)\}", text):
                if name in variables:
                    rep = variables[name]
                elif "." in name:
                    rep = self.resolve({"Fn::GetAtt": name.split(".", 1)})
                else:
                    rep = self.resolve({"Ref": name})
                out = out.replace("${" + name + "}", str(rep))
            return out
        if key == "Fn::Join":
            sep, items = arg
            return sep.join(str(i) for i in self.resolve(items))
        if key == "Fn::Split":
            sep, text = arg
            return str(self.resolve(text)).split(sep)
        if key == "Fn::If":
            cond, yes, no = arg
            return self.resolve(yes if self.condition(cond) else no)
        if key == "Fn::Equals":
            a, b = self.resolve(arg)
            return a == b
        if key == "Fn::Not":
            return not self.resolve(arg[0])
        if key == "Fn::And":
            return all(self.resolve(a) for a in arg)
        if key == "Fn::Or":
            return any(self.resolve(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}


@dataclass(frozen=True)
class FunctionDef:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any]


@dataclass(frozen=True)
class RuleDef:
    name: str
    pattern: dict[str, Any]
    target: str  # function logical id


def functions(template: dict[str, Any]) -> list[FunctionDef]:
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    out = []
    for logical, res in template.get("Resources", {}).items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties", {})
        env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
        out.append(FunctionDef(logical, ROOT / props["CodeUri"], props["Handler"], env))
    return out


def _function_target(arn: Any) -> str | None:
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        return str(arn["Fn::GetAtt"][0])
    return None


def rules(template: dict[str, Any], resolver: Resolver) -> list[RuleDef]:
    """Every EventBridge rule that targets a function, with its pattern resolved (conditions applied)."""
    out: list[RuleDef] = []
    for logical, res in template.get("Resources", {}).items():
        if "Condition" in res and not resolver.condition(res["Condition"]):
            continue
        if res.get("Type") == "AWS::Serverless::Function":
            for name, event in res.get("Properties", {}).get("Events", {}).items():
                if event.get("Type") == "EventBridgeRule":
                    out.append(RuleDef(f"{logical}.{name}", resolver.resolve(event["Properties"]["Pattern"]), logical))
        elif res.get("Type") == "AWS::Events::Rule" and "EventPattern" in res.get("Properties", {}):
            for target in res["Properties"].get("Targets", []):
                fn = _function_target(target.get("Arn"))
                if fn:
                    out.append(RuleDef(logical, resolver.resolve(res["Properties"]["EventPattern"]), fn))
    return out


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge pattern matching, by moto's implementation of the EventBridge rules."""
    from moto.events.models import EventPattern

    return bool(EventPattern.load(json.dumps(pattern)).matches_event(event))  # type: ignore[arg-type]


def table_key_schema(template: dict[str, Any]) -> dict[str, Any]:
    props = template["Resources"]["IncidentTable"]["Properties"]
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        "ttl": props.get("TimeToLiveSpecification", {}).get("AttributeName"),
    }


def state_machine_definition(template: dict[str, Any], substitutions: dict[str, str]) -> str:
    props = template["Resources"]["FailoverStateMachine"]["Properties"]
    text = (ROOT / props["DefinitionUri"]).read_text()
    for name in props.get("DefinitionSubstitutions", {}):
        text = text.replace("${" + name + "}", substitutions[name])
    return text

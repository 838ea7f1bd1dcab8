//! A located YAML tree built from saphyr-parser events: every node keeps its line:col, duplicate
//! keys are reported with both positions, aliases are expanded within a budget and nesting is
//! limited, so no input can exhaust memory or the stack.

// The entry of the inputs: the table (table.ts), one parser per kind (kinds.ts), the cross-input
// rules (rules.ts), the shared syntax (syntax.ts) and the sources (sources.ts) live beside it.
export {
  INPUT,
  SECRET_VARIABLES,
  checkTagName,
  secretValues,
  type InputName,
  type Inputs
} from './table.js'
export { firstGiven, parseInputs, type InputContext, type InputSource } from './parse.js'
export { actionInputSource } from './sources.js'

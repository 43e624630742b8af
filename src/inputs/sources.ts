// Where input values come from. The action's inputs are read here and nowhere else; other
// sources (the CLI's options, a config file) are plain functions of the same shape.
import * as core from '@actions/core'
import type { InputSource } from './parse.js'

/** Inputs as the runner passes them (INPUT_* variables, read through the toolkit). */
export const actionInputSource: InputSource = name => core.getInput(name)

import { invalidRequest } from '../hub/errors'

/** A model string as it may appear in an error message: quoted, escaped, cut short. */
export function quoteModel(model: string): string {
  return JSON.stringify(model.length > 100 ? `${model.slice(0, 100)}…` : model)
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Why `model` cannot be a model id, or undefined when it can. Model ids carry
 * `/` (`qwen/qwen3-coder`, `models/gemini-2.5-flash`, `tunedModels/x`) and `:`
 * (`llama3:8b`), but never control characters, `#`, `?`, `\`, empty path
 * segments or `.`/`..` segments: those only serve to steer an upstream URL
 * (Gemini and Azure put the model in the path) somewhere else.
 */
export function modelNameProblem(model: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(model)) return 'it contains a control character'
  if (LONE_SURROGATE.test(model)) return 'it is not well-formed Unicode (a lone surrogate)'
  if (/[#?\\]/.test(model)) return 'it contains "#", "?" or "\\"'
  for (const segment of model.split('/')) {
    if (segment === '') return 'it has an empty path segment (a leading, trailing or doubled "/")'
    if (segment === '.' || segment === '..') return 'it has a "." or ".." path segment'
  }
  return undefined
}

/** Throws a 400 naming the model when it cannot be a model id (see modelNameProblem). */
export function checkModelName(model: string): void {
  const problem = modelNameProblem(model)
  if (problem) throw invalidRequest(`model: ${quoteModel(model)} is not a valid model name: ${problem}.`, 'model')
}

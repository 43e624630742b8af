export { teardown as default } from './global-temp.mjs'

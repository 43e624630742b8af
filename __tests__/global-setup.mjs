export { setup as default } from './global-temp.mjs'

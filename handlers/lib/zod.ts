// The zod every handler validates with: zod 4's tree-shakable build (`zod/mini`: the same parser, checks given as
// functions, e.g. `z.optional(z.string().check(z.minLength(1)))`, instead of methods), with the English messages
// the classic `zod` import loads. A bundle then holds only the checks it uses: about 20 KB minified instead of the
// classic build's 90 KB (esbuild's metafile). Import it as a namespace, `import * as z from './zod.js'`: esbuild
// then keeps only the members used (a namespace object passed around whole would keep every locale zod has).
// zod's docs: https://zod.dev/packages/mini, https://zod.dev/error-customization#internationalization.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';

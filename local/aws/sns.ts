// Kept so `./sns.js` imports (module NodeNext resolves files, not folders) keep working: the service lives in ./sns/
// (see its index.ts).
export * from './sns/index.js';

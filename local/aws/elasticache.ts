// Kept so `./elasticache.js` imports (module NodeNext resolves files, not folders) keep working: the service lives
// in ./elasticache/ (see its index.ts).
export * from './elasticache/index.js';

// `serverless package` for the template tests: local/aws/iam/package.ts (a copy of the service packaged in a
// temporary folder, offline, no AWS credentials). Each configuration is packaged once per test file; the template
// and the zips are then only read.
export {
  type PackageConfig,
  type PackagedService,
  packageService,
  removePackage,
  SERVICE_DIR,
} from '../../local/aws/iam/package';

// Bottleneck types its main entry only; its light build, the one the octokit plugins load, has
// the same API without Redis clustering.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}

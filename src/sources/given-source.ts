/**
 * The head's images built elsewhere (`image:` entries): measured from their registry, the local
 * image store or an OCI layout, never built (sources/given-image/).
 */
import type { ImageConfig } from '../config/types.js';
import { toMeasuredImage, measureGivenImages, type GivenImagesOptions } from './given-image/given-image-source.js';
import { measuredResult, type ImageSource } from './source.js';

export function givenSource(images: readonly ImageConfig[], options: GivenImagesOptions): ImageSource {
  return {
    kind: 'image',
    measure: async () => {
      const started = Date.now();
      const measured = (await measureGivenImages(images, options)).map((m, index) => {
        const image = images[index];
        if (image === undefined) throw new Error(`given image ${index} was measured but not asked for`);
        return toMeasuredImage(image, m);
      });
      return measuredResult('image', measured, started, `${measured.length} given image(s) measured without a build`);
    },
  };
}

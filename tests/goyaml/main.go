// Prints go-yaml v2's verdict on each file named on the command line:
// "ok <path>" when every document decodes as Kubernetes decodes YAML
// (yaml.Unmarshal into an untyped value, document by document, as the
// apimachinery YAML decoder does after splitting the stream), or
// "error <path>: <message>".
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	yaml "gopkg.in/yaml.v2"
)

func verdict(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var v interface{}
		err := dec.Decode(&v)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func main() {
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("error %s: %v\n", path, err)
			continue
		}
		if err := verdict(data); err != nil {
			fmt.Printf("error %s: %v\n", path, err)
		} else {
			fmt.Printf("ok %s\n", path)
		}
	}
}

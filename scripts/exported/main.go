// Command exported counts the exported identifiers of Go packages: what a
// user of each package can name. It reads the package's non-test files that
// build on this platform and counts exported top-level constants, variables,
// types and functions, the exported methods of exported types (interface
// methods included), and, apart, the exported fields of exported struct
// types.
//
// A type alias to a type of another package of the same module (type Plan =
// explainer.Plan) counts as one type, and the methods and fields of the
// aliased type count as this package's too, since its users reach them.
//
//	go run ./scripts/exported ./explain ./sqltrace
//	go run ./scripts/exported -v ./explain    # and list the names
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// counts is what one package exports.
type counts struct {
	consts, vars, types, funcs, methods int
	fields                              int
	names                               []string // what was counted, for -v
}

func (c counts) total() int { return c.consts + c.vars + c.types + c.funcs + c.methods }

// pkg is one parsed package: its files, the methods and fields of its
// types, and the import path of each name a file imports.
type pkg struct {
	dir     string
	files   []*ast.File
	methods map[string]int // exported methods per type name
	fields  map[string]int // exported fields per struct type name
}

func main() {
	verbose := flag.Bool("v", false, "list the names counted")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/exported [-v] DIR...")
		os.Exit(2)
	}
	modRoot, modPath, err := module()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	loaded := map[string]*pkg{}
	load := func(dir string) (*pkg, error) {
		if p, ok := loaded[dir]; ok {
			return p, nil
		}
		p, err := parse(dir)
		if err == nil {
			loaded[dir] = p
		}
		return p, err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "package\tconst\tvar\ttype\tfunc\tmethod\ttotal\tfields\t")
	var sum counts
	var listed []string
	for _, dir := range dirs {
		p, err := load(filepath.Clean(dir))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		c := p.count(func(importPath, name string) (methods, fields int) {
			rel, ok := strings.CutPrefix(importPath, modPath+"/")
			if !ok {
				return 0, 0 // outside the module: not counted
			}
			q, err := load(filepath.Join(modRoot, rel))
			if err != nil {
				return 0, 0
			}
			return q.methods[name], q.fields[name]
		})
		sum.consts += c.consts
		sum.vars += c.vars
		sum.types += c.types
		sum.funcs += c.funcs
		sum.methods += c.methods
		sum.fields += c.fields
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", dir, c.consts, c.vars, c.types, c.funcs, c.methods, c.total(), c.fields)
		listed = append(listed, dir+":\n\t"+strings.Join(c.names, "\n\t"))
	}
	if len(dirs) > 1 {
		fmt.Fprintf(w, "all\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", sum.consts, sum.vars, sum.types, sum.funcs, sum.methods, sum.total(), sum.fields)
	}
	w.Flush()
	if *verbose {
		fmt.Println("\n" + strings.Join(listed, "\n"))
	}
}

// module returns the directory and path of the module around the working
// directory.
func module() (root, path string, err error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if p, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(p), `"`), nil
				}
			}
			return "", "", fmt.Errorf("%s/go.mod: no module line", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// parse reads the files of dir that build on this platform, tests left out.
func parse(dir string) (*pkg, error) {
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	p := &pkg{dir: dir, methods: map[string]int{}, fields: map[string]int{}}
	fset := token.NewFileSet()
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
	}
	for _, f := range p.files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.IsExported() {
					p.methods[receiver(d.Recv.List[0].Type)]++
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					switch t := ts.Type.(type) {
					case *ast.StructType:
						p.fields[ts.Name.Name] += exportedNames(t.Fields)
					case *ast.InterfaceType:
						p.methods[ts.Name.Name] += exportedMethods(t.Methods)
					}
				}
			}
		}
	}
	return p, nil
}

// count counts p's exported identifiers; aliased reports the methods and
// fields of a type another package of the module declares.
func (p *pkg) count(aliased func(importPath, name string) (methods, fields int)) counts {
	var c counts
	for _, f := range p.files {
		imports := map[string]string{}
		for _, im := range f.Imports {
			path := strings.Trim(im.Path.Value, `"`)
			name := filepath.Base(path)
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = path
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				switch {
				case d.Recv == nil && d.Name.IsExported():
					c.funcs++
					c.names = append(c.names, "func "+d.Name.Name)
				case d.Recv != nil && d.Name.IsExported() && ast.IsExported(receiver(d.Recv.List[0].Type)):
					c.methods++
					c.names = append(c.names, "method "+receiver(d.Recv.List[0].Type)+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							if d.Tok == token.CONST {
								c.consts++
							} else {
								c.vars++
							}
							c.names = append(c.names, d.Tok.String()+" "+n.Name)
						}
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						c.types++
						name := "type " + s.Name.Name
						switch t := s.Type.(type) {
						case *ast.StructType:
							n := exportedNames(t.Fields)
							c.fields += n
							name += fmt.Sprintf(" (%d fields)", n)
						case *ast.InterfaceType:
							n := exportedMethods(t.Methods)
							c.methods += n
							name += fmt.Sprintf(" (%d methods)", n)
						case *ast.SelectorExpr:
							if x, ok := t.X.(*ast.Ident); ok && s.Assign.IsValid() {
								m, fl := aliased(imports[x.Name], t.Sel.Name)
								c.methods += m
								c.fields += fl
								name += fmt.Sprintf(" = %s.%s (%d methods, %d fields)", x.Name, t.Sel.Name, m, fl)
							}
						}
						c.names = append(c.names, name)
					}
				}
			}
		}
	}
	return c
}

// receiver returns the type name of a method's receiver.
func receiver(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// exportedNames counts the exported names of a field list; an embedded
// field counts under its type's name.
func exportedNames(fl *ast.FieldList) int {
	n := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			if name := receiver(f.Type); ast.IsExported(name) {
				n++
			} else if sel, ok := f.Type.(*ast.SelectorExpr); ok && sel.Sel.IsExported() {
				n++
			}
			continue
		}
		for _, id := range f.Names {
			if id.IsExported() {
				n++
			}
		}
	}
	return n
}

// exportedMethods counts the exported methods an interface declares; an
// embedded interface adds its own, counted where it is declared.
func exportedMethods(fl *ast.FieldList) int {
	n := 0
	for _, f := range fl.List {
		for _, id := range f.Names {
			if id.IsExported() {
				n++
			}
		}
	}
	return n
}
